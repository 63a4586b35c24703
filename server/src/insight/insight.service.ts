import { normalizePurl, normalizeRepositoryUrl, repositoryOwner, type UpstreamProject as ScannedProject } from '@surplus/deps';
import type { AuditService } from '../audit/audit.service.ts';
import type { Db } from '../db/database.ts';
import { type Actor, isAdmin, type SignedIn } from '../http/context.ts';
import { AppError, fail, invalid, notFound } from '../http/errors.ts';
import type { Outbox } from '../mail/outbox.ts';
import { unpackGraph } from './insight.graph.ts';
import { invitationText, newIssueUrl } from './insight.invite.ts';
import type { InsightRepository, ProductRow, SignalRow, UploadRow, UseRow } from './insight.repository.ts';
import { type ScannedUpload, scanUploadInWorker, type UploadFile } from './insight.scanner.ts';
import type {
  CoverageSummary as CoverageSummaryBody,
  InviteBody,
  InviteResult,
  OverrideCreateBody,
  Product,
  ProductCreateBody,
  ProductUpdateBody,
  SupplyChainEvidence,
  Upload,
  UpstreamProject,
  UpstreamProjectQuery,
} from './insight.schemas.ts';
import {
  type CoverageSummary,
  coverageHistory,
  effectiveUpstream,
  isInvitable,
  type Override,
  type PortfolioProject,
  type ProjectUse,
  rankPortfolio,
  type Signal,
  type SurplusMatch,
  summarizeCoverage,
  type UpstreamRef,
} from './insight.scoring.ts';
import { readSignals } from './insight.signals.ts';

export type { UploadFile };

/** Files up to 50 MB (MiB) are accepted; the route's body limit leaves room for a companion and multipart framing. */
export const MAX_FILE_BYTES = 50 * 1024 * 1024;
/** Coverage over time replays at most this many of the newest uploads. */
const HISTORY_UPLOADS = 200;

type SurplusProjectRow = Awaited<ReturnType<InsightRepository['surplusProjects']>>[number];
type Matcher = { match(repository: string): SurplusMatch[]; projectsByRepository: Map<string, SurplusProjectRow[]> };
type Portfolio = {
  ranked: PortfolioProject[];
  uses: ProjectUse[];
  products: Map<string, ProductRow>;
  latest: UploadRow[];
  overrides: Override[];
};

/**
 * Supply-chain insight: the sponsor's products, the dependency files uploaded for them (every one
 * kept, the newest current), the upstream projects they depend on ranked across the portfolio, and
 * which of those the program supports. Admins and program leads change things; all staff read.
 */
export class InsightService {
  private readonly db: Db;
  private readonly insight: InsightRepository;
  private readonly audit: AuditService;
  private readonly outbox: Outbox;
  private readonly publicUrl: string;
  private readonly scan: (file: UploadFile, companion: UploadFile | null) => Promise<ScannedUpload>;

  constructor(
    db: Db,
    deps: {
      insight: InsightRepository;
      audit: AuditService;
      outbox: Outbox;
      publicUrl: string;
      /** How an upload is scanned: by default in a worker thread, off the event loop. */
      scan?: (file: UploadFile, companion: UploadFile | null) => Promise<ScannedUpload>;
    },
  ) {
    this.db = db;
    this.insight = deps.insight;
    this.audit = deps.audit;
    this.outbox = deps.outbox;
    this.publicUrl = deps.publicUrl.replace(/\/+$/, '');
    this.scan = deps.scan ?? scanUploadInWorker;
  }

  // --- products ------------------------------------------------------------------------------------

  async listProducts(): Promise<Product[]> {
    const [rows, latest, counts] = await Promise.all([
      this.insight.listProducts(this.db),
      this.insight.latestUploads(this.db),
      this.insight.countUploads(this.db),
    ]);
    const projectCounts = await this.projectCounts(latest.map((u) => u.id));
    const byProduct = new Map(latest.map((upload) => [upload.product_id, upload]));
    return rows.map((row) => {
      const upload = byProduct.get(row.id);
      return toProduct(row, upload ? toUpload(upload, projectCounts.get(upload.id) ?? 0) : null, counts.get(row.id) ?? 0);
    });
  }

  async getProduct(key: string): Promise<Product> {
    const row = await this.productOrFail(key);
    const [latest] = await this.insight.latestUploads(this.db, [row.id]);
    const counts = await this.insight.countUploads(this.db);
    const projectCounts = await this.projectCounts(latest ? [latest.id] : []);
    return toProduct(row, latest ? toUpload(latest, projectCounts.get(latest.id) ?? 0) : null, counts.get(row.id) ?? 0);
  }

  async createProduct(ctx: SignedIn, body: ProductCreateBody): Promise<Product> {
    await this.assertCanManage(ctx.actor);
    const id = await this.db.transaction().execute(async (tx) => {
      const productId = await slugTaken(() =>
        this.insight.insertProduct(tx, { slug: body.slug, name: body.name, description: body.description, created_by: ctx.actor.userId }),
      );
      await this.audit.record(tx, ctx, {
        action: 'product.created',
        targetType: 'product',
        targetId: productId,
        summary: { slug: body.slug, name: body.name },
      });
      return productId;
    });
    return this.getProduct(id);
  }

  async updateProduct(ctx: SignedIn, key: string, body: ProductUpdateBody): Promise<Product> {
    await this.assertCanManage(ctx.actor);
    const product = await this.productOrFail(key);
    await this.db.transaction().execute(async (tx) => {
      await slugTaken(() => this.insight.updateProduct(tx, product.id, body));
      await this.audit.record(tx, ctx, { action: 'product.updated', targetType: 'product', targetId: product.id, summary: { ...body } });
    });
    return this.getProduct(product.id);
  }

  /** Deletes the product and its upload history; upstream projects stay (other products, invitations). */
  async deleteProduct(ctx: SignedIn, key: string): Promise<void> {
    await this.assertCanManage(ctx.actor);
    const product = await this.productOrFail(key);
    await this.db.transaction().execute(async (tx) => {
      await this.insight.deleteProduct(tx, product.id);
      await this.audit.record(tx, ctx, {
        action: 'product.deleted',
        targetType: 'product',
        targetId: product.id,
        summary: { slug: product.slug, name: product.name },
      });
    });
  }

  // --- uploads -------------------------------------------------------------------------------------

  /**
   * Scans the file (and its companion manifest) and keeps the result as the product's newest upload.
   * A file that fails (malformed: 400, not a format we read: 415, too large: 413) stores nothing.
   */
  async upload(ctx: SignedIn, key: string, file: UploadFile, companion: UploadFile | null): Promise<Upload> {
    await this.assertCanManage(ctx.actor);
    const product = await this.productOrFail(key);
    if (file.bytes.length > MAX_FILE_BYTES) {
      fail(
        'ERR_PAYLOAD_TOO_LARGE',
        `${file.name} is ${file.bytes.length} bytes; files up to ${MAX_FILE_BYTES} bytes (50 MB) are accepted.`,
      );
    }
    const scanned = await this.scan(file, companion);
    const projects = scanned.projects;
    const id = await this.db.transaction().execute(async (tx) => {
      const ids = await this.insight.upstreamIds(
        tx,
        projects.map((p) => ({
          key: p.key,
          kind: p.repository ? ('repository' as const) : ('package' as const),
          repository: p.repository,
          owner: p.owner,
          name: displayName(p),
        })),
      );
      const upload = await this.insight.insertUpload(tx, {
        product_id: product.id,
        file_name: file.name,
        companion_name: scanned.companionName,
        format: scanned.format,
        format_version: scanned.formatVersion,
        size_bytes: file.bytes.length,
        sha256: scanned.sha256,
        packages_count: scanned.packages,
        direct_count: scanned.direct,
        depth_histogram: scanned.depthHistogram,
        notes: scanned.notes,
        graph_gz: Buffer.from(scanned.graphGz.buffer, scanned.graphGz.byteOffset, scanned.graphGz.byteLength),
        uploaded_by: ctx.actor.userId,
      });
      await this.insight.insertUses(
        tx,
        upload.id,
        projects.map((p) => ({
          upstream_project_id: ids.get(p.key) as string,
          packages: p.packages,
          direct: p.direct,
          min_depth: p.minDepth,
          paths: p.paths,
          is_dev_only: p.isDevOnly,
          score: p.score,
          purls: p.purls,
          funding: p.funding,
        })),
      );
      await this.audit.record(tx, ctx, {
        action: 'product.upload_added',
        targetType: 'product',
        targetId: product.id,
        summary: {
          upload_id: upload.id,
          file_name: file.name,
          format: scanned.format,
          packages: scanned.packages,
          direct: scanned.direct,
          size_bytes: file.bytes.length,
        },
      });
      return upload.id;
    });
    const uploads = await this.insight.listUploads(this.db, product.id);
    const row = uploads.find((u) => u.id === id) as UploadRow;
    return toUpload(row, projects.length);
  }

  async listUploads(key: string): Promise<Upload[]> {
    const product = await this.productOrFail(key);
    const rows = await this.insight.listUploads(this.db, product.id);
    const counts = await this.projectCounts(rows.map((row) => row.id));
    return rows.map((row) => toUpload(row, counts.get(row.id) ?? 0));
  }

  /** "Why is this here?": every path (up to `limit` per package) from the product to the package in its newest upload. */
  async paths(key: string, purlQuery: string, limit: number) {
    const product = await this.productOrFail(key);
    const [latest] = await this.insight.latestUploads(this.db, [product.id]);
    if (!latest) notFound('An upload for this product');
    const stored = await this.insight.graphOf(this.db, latest.id);
    if (!stored) notFound('An upload for this product');
    const graph = unpackGraph(stored);
    const wanted = normalizePurl(purlQuery) ?? purlQuery;
    let targets = graph.component(wanted) ? [wanted] : [];
    if (targets.length === 0 && wanted.startsWith('pkg:')) {
      // Without a version (or with one the product does not have): every version of that package.
      const base = wanted.replace(/@[^@/]*$/, '');
      targets = graph.components.filter((c) => c.purl === base || c.purl.startsWith(`${base}@`)).map((c) => c.purl);
    } else if (targets.length === 0) {
      // A package's name as people write it: `pflag`, `github.com/spf13/pflag`, `@babel/core`.
      const name = purlQuery.trim().toLowerCase();
      targets = graph.components
        .filter((c) => c.name.toLowerCase() === name || `${c.namespace ?? ''}/${c.name}`.toLowerCase().replace(/%40/g, '@') === name)
        .map((c) => c.purl);
    }
    if (targets.length === 0) notFound(`${purlQuery} in ${product.name}`);
    const rootNames = new Map(graph.roots.map((root) => [root.id, root.name]));
    return {
      upload_id: latest.id,
      items: targets.map((purl) => {
        const component = graph.component(purl);
        if (!component) throw new Error(`component ${purl} vanished`);
        return {
          purl,
          name: component.namespace ? `${component.namespace}/${component.name}` : component.name,
          version: component.version,
          repository: component.repository,
          depth: component.depth,
          is_direct: component.isDirect,
          is_dev: component.isDev,
          is_optional: component.isOptional,
          path_count: component.pathCount,
          paths: graph.pathsTo(purl, limit).map((path) =>
            path.map((id) => {
              const rootName = rootNames.get(id);
              if (rootName !== undefined) return { purl: null, name: rootName };
              const step = graph.component(id);
              return {
                purl: id,
                name: step ? `${step.namespace ? `${step.namespace}/` : ''}${step.name}${step.version ? `@${step.version}` : ''}` : id,
              };
            }),
          ),
        };
      }),
    };
  }

  // --- results -------------------------------------------------------------------------------------

  async listProjects(query: UpstreamProjectQuery) {
    const portfolio = await this.portfolio();
    let ranked = portfolio.ranked;
    if (query.product) {
      const product = await this.productOrFail(query.product);
      ranked = ranked.filter((p) => p.productIds.includes(product.id));
    }
    if (query.coverage) {
      const wanted = new Set(query.coverage.split(','));
      ranked = ranked.filter((p) => wanted.has(p.coverage));
    }
    if (query.q) {
      const needle = query.q.toLowerCase();
      ranked = ranked.filter(
        (p) =>
          p.upstream.key.includes(needle) ||
          p.upstream.name.toLowerCase().includes(needle) ||
          p.repositories.some((r) => r.includes(needle)),
      );
    }
    const page = ranked.slice(query.offset, query.offset + query.limit);
    return {
      summary: toSummary(summarizeCoverage(portfolio.ranked, portfolio.latest.length)),
      total: ranked.length,
      items: await this.toProjects(page, portfolio.products),
    };
  }

  async getProject(id: string) {
    const portfolio = await this.portfolio();
    const project = await this.findRanked(portfolio, id);
    const [body] = await this.toProjects([project], portfolio.products);
    const uses = portfolio.uses.filter((use) => effectiveUpstream(use.upstream, portfolio.overrides).id === project.upstream.id);
    const invitations = await this.insight.invitationsOf(this.db, [project.upstream.id]);
    const uploadOf = new Map(portfolio.latest.map((u) => [u.product_id, u.id]));
    return {
      ...(body as UpstreamProject),
      usage: uses
        .map((use) => ({
          product: productRef(portfolio.products.get(use.productId) as ProductRow),
          upload_id: uploadOf.get(use.productId) as string,
          repository: use.upstream.repository,
          packages: use.packages,
          direct: use.direct,
          min_depth: use.minDepth,
          paths: use.paths,
          dev_only: use.isDevOnly,
          purls: use.purls,
        }))
        .sort((a, b) => a.product.name.localeCompare(b.product.name) || (a.repository ?? '').localeCompare(b.repository ?? '')),
      invitations: invitations.map(toInvitation),
    };
  }

  /** One product's upstream projects, ranked by the portfolio formula over that product alone. */
  async productProjects(key: string) {
    const product = await this.getProduct(key);
    const uploadId = product.latest_upload?.id;
    const rows = uploadId ? await this.insight.usesOf(this.db, [uploadId]) : [];
    const uses = rows.map(toUse);
    const [overrides, matcher] = await Promise.all([this.overrides(), this.matcher()]);
    const signals = await this.signalsFor(uses);
    const ranked = rankPortfolio(uses, { overrides, signals, match: matcher.match });
    const products = new Map<string, ProductRow>([[product.id, await this.productOrFail(product.id)]]);
    return {
      product,
      summary: toSummary(summarizeCoverage(ranked, uploadId ? 1 : 0)),
      items: await this.toProjects(ranked, products),
    };
  }

  /**
   * The highest-ranked upstream projects the program does not support and could invite: a known
   * repository on a forge, no Surplus project with an active or expiring grant for it.
   */
  async criticalUnsupported(limit: number) {
    const portfolio = await this.portfolio();
    const items = portfolio.ranked.filter(isInvitable).slice(0, limit);
    return {
      rule: `The ${limit} highest-ranked upstream projects with a repository on GitHub, GitLab, Codeberg or Bitbucket that no active or expiring grant supports.`,
      items: await this.toProjects(items, portfolio.products),
    };
  }

  async coverage() {
    const portfolio = await this.portfolio();
    const uploads = await this.insight.recentUploads(this.db, HISTORY_UPLOADS);
    const rows = await this.insight.usesOf(
      this.db,
      uploads.map((u) => u.id),
    );
    const usesByUpload = new Map<string, ProjectUse[]>();
    for (const row of rows) {
      const list = usesByUpload.get(row.upload_id) ?? [];
      list.push(toUse(row));
      usesByUpload.set(row.upload_id, list);
    }
    const matcher = await this.matcher();
    const repositories = new Set(rows.flatMap((row) => (row.repository ? [row.repository] : [])));
    const matched = [...repositories].flatMap((repository) => matcher.projectsByRepository.get(repository) ?? []);
    const spans = await this.insight.grantSpans(
      this.db,
      matched.map((p) => p.id),
    );
    const spansOf = new Map<string, typeof spans>();
    for (const span of spans) spansOf.set(span.project_id, [...(spansOf.get(span.project_id) ?? []), span]);
    const now = new Date();
    const matchAt = (repository: string, at: Date): SurplusMatch[] =>
      (matcher.projectsByRepository.get(repository) ?? []).map((project) => ({
        id: project.id,
        slug: project.slug,
        name: project.name,
        isSupported: (spansOf.get(project.id) ?? []).some(
          (span) => span.created_at <= at && (span.ended_at ? span.ended_at > at : span.state === 'active' || span.state === 'expiring'),
        ),
      }));
    const history = coverageHistory({
      uploads: uploads.map((u) => ({ id: u.id, productId: u.product_id, uploadedAt: u.uploaded_at })),
      usesByUpload,
      overrides: portfolio.overrides,
      signals: await this.signalsFor(rows.map(toUse)),
      matchAt,
      changes: spans.flatMap((span) => [span.created_at, ...(span.ended_at ? [span.ended_at] : [])]),
      now,
    });
    return {
      current: toSummary(summarizeCoverage(portfolio.ranked, portfolio.latest.length)),
      history: history.map((point) => ({ at: point.at.toISOString(), ...toSummary(point) })),
    };
  }

  /**
   * Reviewer evidence: whether, and how much, the sponsor's products depend on a Surplus project's
   * repository. Other areas (review) call this with a project id.
   */
  async dependencyEvidence(projectKey: string): Promise<SupplyChainEvidence> {
    const project = await this.insight.findSurplusProject(this.db, projectKey);
    if (!project) notFound('Project');
    const repository = surplusRepository(project);
    const portfolio = await this.portfolio();
    const own = portfolio.uses.filter((use) => use.upstream.repository === repository);
    const containing = own[0] ? effectiveUpstream(own[0].upstream, portfolio.overrides).id : null;
    const ranked = containing ? portfolio.ranked.find((p) => p.upstream.id === containing) : undefined;
    const [body] = ranked ? await this.toProjects([ranked], portfolio.products) : [];
    return {
      project: { id: project.id, slug: project.slug, name: project.name, repository },
      is_depended_on: own.length > 0,
      upstream_project: body ?? null,
      products: own
        .map((use) => ({
          ...productRef(portfolio.products.get(use.productId) as ProductRow),
          packages: use.packages,
          direct: use.direct,
          min_depth: use.minDepth,
          purls: use.purls,
        }))
        .sort((a, b) => a.name.localeCompare(b.name)),
    };
  }

  // --- invitations ---------------------------------------------------------------------------------

  async invite(ctx: SignedIn, id: string, body: InviteBody): Promise<InviteResult> {
    await this.assertCanManage(ctx.actor);
    const portfolio = await this.portfolio();
    const project = await this.findRanked(portfolio, id);
    if (project.coverage === 'supported')
      fail(
        'ERR_CONFLICT',
        `${project.upstream.name} is supported already: a grant of ${project.surplusProjects.find((p) => p.isSupported)?.name} covers it.`,
      );
    // A group's invitation goes to its most relied-on repository.
    const uses = portfolio.uses.filter((use) => effectiveUpstream(use.upstream, portfolio.overrides).id === project.upstream.id);
    const repository = bestRepository(uses) ?? project.repositories[0] ?? null;
    if (!repository) fail('ERR_CONFLICT', `${project.upstream.name} has no known repository to invite.`);
    const program = await this.insight.program(this.db, body.program ?? null);
    if (body.program && !program) invalid('program', 'no such program');
    const packageNames = [...new Set(uses.flatMap((use) => use.purls).map(packageName))].sort().slice(0, 5);
    const text = invitationText({
      projectName: project.upstream.kind === 'group' ? project.upstream.name : (repository.split('/').at(-1) ?? repository),
      repository,
      products: project.productIds.length,
      packages: project.packages,
      packageNames,
      program: program ? { name: program.name, githubRepository: program.github_repository } : null,
      applyUrl: `${this.publicUrl}/requests/new`,
      senderName: ctx.actor.name,
      message: body.message ?? null,
    });
    const email = body.channel === 'email' ? (body.email as string) : null;
    const created = await this.db.transaction().execute(async (tx) => {
      const invitation = await this.insight.insertInvitation(tx, {
        upstream_project_id: project.upstream.id,
        channel: body.channel,
        email,
        repository,
        invited_by: ctx.actor.userId,
      });
      if (email) await this.outbox.enqueue(tx, { to: email, subject: text.subject, text: text.body });
      await this.audit.record(tx, ctx, {
        action: 'upstream.invited',
        targetType: 'upstream_project',
        targetId: project.upstream.id,
        summary: { channel: body.channel, email, repository, program: program?.slug ?? null },
      });
      return invitation;
    });
    return {
      id: created.id,
      channel: body.channel,
      to: email,
      repository,
      subject: text.subject,
      body: text.body,
      new_issue_url: body.channel === 'github_issue' ? newIssueUrl(repository, text.subject, text.body) : null,
      created_at: created.created_at.toISOString(),
    };
  }

  // --- overrides and signals (admins) ----------------------------------------------------------------

  async listOverrides() {
    return { items: (await this.insight.listOverrides(this.db)).map(toOverride) };
  }

  async createOverride(ctx: SignedIn, body: OverrideCreateBody) {
    const match = body.match_kind === 'repository' ? normalizeRepositoryUrl(body.match) : normalizeOwner(body.match);
    if (!match)
      invalid('match', body.match_kind === 'repository' ? 'not a repository URL or host/owner/repo' : 'not an owner (host/owner)');
    const slug = body.group
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '');
    if (!slug) invalid('group', 'needs a letter or digit');
    const id = await this.db.transaction().execute(async (tx) => {
      const groupId = await this.insight.groupId(tx, `group:${slug}`, body.group);
      const overrideId = await this.insight.insertOverride(tx, {
        match_kind: body.match_kind,
        match,
        group_id: groupId,
        created_by: ctx.actor.userId,
      });
      await this.audit.record(tx, ctx, {
        action: 'upstream.override_set',
        targetType: 'upstream_override',
        targetId: overrideId,
        summary: { match_kind: body.match_kind, match, group: body.group },
      });
      return overrideId;
    });
    const created = (await this.insight.listOverrides(this.db)).find((row) => row.id === id);
    if (!created) throw new Error('override vanished after insert');
    return toOverride(created);
  }

  async deleteOverride(ctx: SignedIn, id: string) {
    await this.db.transaction().execute(async (tx) => {
      const deleted = await this.insight.deleteOverride(tx, id);
      if (!deleted) notFound('Override');
      await this.insight.deleteUnusedGroups(tx);
      await this.audit.record(tx, ctx, {
        action: 'upstream.override_removed',
        targetType: 'upstream_override',
        targetId: id,
        summary: { match_kind: deleted.match_kind, match: deleted.match },
      });
    });
  }

  /** Imports a signals CSV; one bad line refuses the file, with each bad line's number and reason. */
  async importSignals(ctx: SignedIn, lines: AsyncIterable<string>, source: string) {
    const file = await readSignals(lines);
    if (file.problemCount > 0) {
      throw new AppError('ERR_VALIDATION', `${file.problemCount} line(s) of the signals file are not usable; nothing was imported.`, {
        fields: file.problems.map((p) => ({ field: `line ${p.line}`, message: p.message })),
      });
    }
    await this.db.transaction().execute(async (tx) => {
      await this.insight.upsertSignals(tx, file.rows, source);
      await this.audit.record(tx, ctx, {
        action: 'upstream.signals_imported',
        targetType: 'upstream_signals',
        targetId: null,
        summary: { source, repositories: file.rows.length, lines: file.lines },
      });
    });
    return { imported: file.rows.length, lines: file.lines, source };
  }

  // --- internals -----------------------------------------------------------------------------------

  private async assertCanManage(actor: Actor) {
    if (isAdmin(actor)) return;
    if (!(await this.insight.isProgramLead(this.db, actor.userId)))
      fail('ERR_FORBIDDEN', 'Only admins and program leads can change products and uploads; reviewers and operators can read them.');
  }

  private async productOrFail(key: string): Promise<ProductRow> {
    const product = await this.insight.findProduct(this.db, key);
    if (!product) notFound('Product');
    return product;
  }

  private projectCounts(uploadIds: string[]): Promise<Map<string, number>> {
    return this.insight.countUses(this.db, uploadIds);
  }

  private async overrides(): Promise<Override[]> {
    const rows = await this.insight.listOverrides(this.db);
    return rows.map((row) => ({
      id: row.id,
      matchKind: row.match_kind,
      match: row.match,
      group: { id: row.group_id, key: row.group_key, kind: row.group_kind, repository: null, owner: null, name: row.group_name },
    }));
  }

  private async signalsFor(uses: ProjectUse[]): Promise<Map<string, Signal>> {
    const repositories = [...new Set(uses.flatMap((use) => (use.upstream.repository ? [use.upstream.repository] : [])))];
    const rows: SignalRow[] = await this.insight.signals(this.db, repositories);
    return new Map(rows.map((row) => [row.repository, { criticalityScore: row.criticality_score, dependentsCount: row.dependents_count }]));
  }

  /** Surplus projects by normalized repository, so `github.com/Flatcar/Flatcar` and a gitbox URL match the scan's spelling. */
  private async matcher(): Promise<Matcher> {
    const rows = await this.insight.surplusProjects(this.db);
    const projectsByRepository = new Map<string, SurplusProjectRow[]>();
    for (const row of rows) {
      const repository = surplusRepository(row);
      projectsByRepository.set(repository, [...(projectsByRepository.get(repository) ?? []), row]);
    }
    return {
      projectsByRepository,
      match: (repository) =>
        (projectsByRepository.get(repository) ?? []).map((row) => ({
          id: row.id,
          slug: row.slug,
          name: row.name,
          isSupported: row.is_supported === true,
        })),
    };
  }

  private async portfolio(): Promise<Portfolio> {
    const [latest, productRows, overrides, matcher] = await Promise.all([
      this.insight.latestUploads(this.db),
      this.insight.listProducts(this.db),
      this.overrides(),
      this.matcher(),
    ]);
    const rows = await this.insight.usesOf(
      this.db,
      latest.map((u) => u.id),
    );
    const uses = rows.map(toUse);
    const signals = await this.signalsFor(uses);
    return {
      ranked: rankPortfolio(uses, { overrides, signals, match: matcher.match }),
      uses,
      products: new Map(productRows.map((row) => [row.id, row])),
      latest,
      overrides,
    };
  }

  private async findRanked(portfolio: Portfolio, id: string): Promise<PortfolioProject> {
    const project = portfolio.ranked.find((p) => p.upstream.id === id);
    if (project) return project;
    // Known, but no current upload depends on it (any more): say so rather than "not found".
    const known = await this.insight.findUpstream(this.db, id);
    if (known) fail('ERR_NOT_FOUND', `No product’s latest upload depends on ${known.name} now.`);
    notFound('Upstream project');
  }

  private async toProjects(projects: PortfolioProject[], products: Map<string, ProductRow>): Promise<UpstreamProject[]> {
    const invitations = await this.insight.invitationsOf(
      this.db,
      projects.map((p) => p.upstream.id),
    );
    const lastInvitation = new Map<string, (typeof invitations)[number]>();
    for (const invitation of invitations)
      if (!lastInvitation.has(invitation.upstream_project_id)) lastInvitation.set(invitation.upstream_project_id, invitation);
    return projects.map((p) => {
      const invitation = lastInvitation.get(p.upstream.id);
      return {
        rank: p.rank,
        id: p.upstream.id,
        key: p.upstream.key,
        kind: p.upstream.kind,
        name: p.upstream.name,
        repository: p.upstream.repository,
        repositories: p.repositories,
        owner: p.upstream.owner,
        products: p.productIds.flatMap((id) => {
          const product = products.get(id);
          return product ? [productRef(product)] : [];
        }),
        packages: p.packages,
        direct_products: p.directProducts,
        min_depth: p.minDepth,
        paths: p.paths,
        dev_only: p.isDevOnly,
        criticality_score: p.criticalityScore,
        dependents_count: p.dependentsCount,
        score: p.score,
        terms: {
          usage: p.terms.usage,
          proximity: p.terms.proximity,
          breadth: p.terms.breadth,
          reach: p.terms.reach,
          signals: p.terms.signals,
          dev_factor: p.terms.devFactor,
        },
        coverage: p.coverage,
        surplus_projects: p.surplusProjects.map((s) => ({ id: s.id, slug: s.slug, name: s.name, is_supported: s.isSupported })),
        funding: p.funding,
        invitable: isInvitable(p),
        last_invitation: invitation ? toInvitation(invitation) : null,
      };
    });
  }
}

async function slugTaken<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if ((error as { code?: string; constraint?: string }).code === '23505') fail('ERR_SLUG_TAKEN', 'A product with that slug exists.');
    throw error;
  }
}

function displayName(project: ScannedProject): string {
  if (project.repository) return project.repository.split('/').slice(1).join('/') || project.repository;
  return project.key.replace(/^pkg:/, '');
}

function packageName(purl: string): string {
  const withoutVersion = purl.replace(/@[^@/]*$/, '');
  const name = decodeURIComponent(withoutVersion.slice(withoutVersion.indexOf('/') + 1));
  return name;
}

function bestRepository(uses: ProjectUse[]): string | null {
  const weight = new Map<string, number>();
  for (const use of uses) {
    if (!use.upstream.repository) continue;
    weight.set(use.upstream.repository, (weight.get(use.upstream.repository) ?? 0) + use.score);
  }
  return [...weight].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0]?.[0] ?? null;
}

function normalizeOwner(text: string): string | null {
  const trimmed = text
    .trim()
    .replace(/^[a-z]+:\/\//i, '')
    .replace(/\/+$/, '')
    .toLowerCase();
  if (!/^[a-z0-9.-]+\.[a-z]{2,}(\/[a-z0-9_.-]+)+$/.test(trimmed)) return null;
  // A repository given where an owner is asked: its owner.
  const asRepository = normalizeRepositoryUrl(`https://${trimmed}`);
  return asRepository && asRepository === trimmed ? repositoryOwner(asRepository) : trimmed;
}

function surplusRepository(row: { repository_host: string; repository_owner: string; repository_name: string }): string {
  const plain = `${row.repository_host}/${row.repository_owner}/${row.repository_name}`.toLowerCase();
  return normalizeRepositoryUrl(`https://${row.repository_host}/${row.repository_owner}/${row.repository_name}`) ?? plain;
}

function toUse(row: UseRow): ProjectUse {
  const upstream: UpstreamRef = { id: row.id, key: row.key, kind: row.kind, repository: row.repository, owner: row.owner, name: row.name };
  return {
    productId: row.product_id,
    upstream,
    packages: row.packages,
    direct: row.direct,
    minDepth: row.min_depth,
    paths: row.paths,
    isDevOnly: row.is_dev_only,
    score: row.score,
    purls: row.purls,
    funding: row.funding,
  };
}

function productRef(row: ProductRow) {
  return { id: row.id, slug: row.slug, name: row.name };
}

function toProduct(row: ProductRow, latest: Upload | null, uploads: number): Product {
  return {
    id: row.id,
    slug: row.slug,
    name: row.name,
    description: row.description,
    uploads,
    latest_upload: latest,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  };
}

function toUpload(row: UploadRow, upstreamProjects: number): Upload {
  return {
    id: row.id,
    product_id: row.product_id,
    file_name: row.file_name,
    companion_name: row.companion_name,
    format: row.format,
    format_version: row.format_version,
    size_bytes: Number(row.size_bytes),
    sha256: row.sha256,
    packages: row.packages_count,
    direct: row.direct_count,
    depth_histogram: row.depth_histogram,
    notes: row.notes,
    upstream_projects: upstreamProjects,
    uploaded_at: row.uploaded_at.toISOString(),
    uploaded_by: row.uploader_id ? { id: row.uploader_id, name: row.uploader_name ?? '' } : null,
  };
}

function toSummary(summary: CoverageSummary): CoverageSummaryBody {
  return {
    products: summary.products,
    projects: summary.projects,
    with_repository: summary.withRepository,
    supported: summary.supported,
    registered: summary.registered,
    unsupported: summary.unsupported,
    supported_share: summary.supportedShare,
    supported_score_share: summary.supportedScoreShare,
  };
}

function toInvitation(row: Awaited<ReturnType<InsightRepository['invitationsOf']>>[number]) {
  return {
    id: row.id,
    channel: row.channel,
    email: row.email,
    repository: row.repository,
    created_at: row.created_at.toISOString(),
    invited_by: row.invited_by_name,
  };
}

function toOverride(row: Awaited<ReturnType<InsightRepository['listOverrides']>>[number]) {
  return {
    id: row.id,
    match_kind: row.match_kind,
    match: row.match,
    group: { id: row.group_id, key: row.group_key, name: row.group_name },
    created_at: row.created_at.toISOString(),
    created_by: row.created_by_name,
  };
}
