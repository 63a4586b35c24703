import { z } from 'zod';
import type { AuditService } from '../audit/audit.service.ts';
import type { CatalogService, CatalogSnapshot } from '../catalog/catalog.service.ts';
import type { Db, Executor } from '../db/database.ts';
import type { Actor, Ctx, SignedIn } from '../http/context.ts';
import { AppError, fail, invalid, notFound } from '../http/errors.ts';
import type { ProgramsRepository } from '../programs/programs.repository.ts';
import type { ProgramRow, ProgramsService } from '../programs/programs.service.ts';
import { checkLicence } from '../projects/licence.ts';
import { renderMarkdown } from '../projects/markdown.ts';
import type { ProjectsRepository } from '../projects/projects.repository.ts';
import { slugify } from '../projects/projects.service.ts';
import { normalizeRepositoryUrl, type RepositoryRef } from '../projects/repository-url.ts';
import { estimate } from '../requests/estimate.ts';
import type { RequestFields, RequestsRepository } from '../requests/requests.repository.ts';
import type { RequestsService } from '../requests/requests.service.ts';
import { isDecided } from '../requests/transitions.ts';
import { type GithubReplies, ISSUE_CLOSED_NOTE, REPLY_MARKER } from './github-replies.ts';
import type { IntakeRepository } from './intake.repository.ts';
import type { ClaimAcceptBody, ClaimAccepted, ProjectClaim } from './intake.schemas.ts';
import { type ParsedIssue, parseIssueBody } from './issue-body.ts';
import { isValidSignature } from './webhook.ts';

/** What the webhook route hands over: the exact bytes and the headers GitHub sent. */
export type IncomingDelivery = {
  event: string | undefined;
  deliveryId: string | undefined;
  signature: string | undefined;
  contentType: string | undefined;
  raw: Buffer;
};

export type DeliveryResult = {
  delivery: string;
  outcome: string;
  request: { id: string; number: number; state: string } | null;
};

type Handled = { outcome: string; requestId: string | null };

// Only the fields intake reads; GitHub sends far more. Checked after the signature, so a 400 here
// answers a sender who holds the secret and deserves to know what is wrong.
const Repository = z.object({ full_name: z.string().min(3).max(200) });
const Issue = z.object({
  number: z.number().int().positive().max(2_147_483_647),
  title: z.string().max(1000).default(''),
  body: z.string().nullable().default(null),
  state: z.string().optional(),
  user: z.object({ login: z.string().min(1).max(100) }),
  pull_request: z.unknown().optional(),
});
const IssuesEvent = z.object({ action: z.string(), issue: Issue });
const IssueCommentEvent = z.object({
  action: z.string(),
  issue: Issue.pick({ number: true, pull_request: true }),
  comment: z.object({
    id: z.number().int().positive(),
    body: z.string().max(70_000),
    user: z.object({ login: z.string().min(1).max(100) }),
  }),
});
type IssuesEvent = z.infer<typeof IssuesEvent>;
type IssueCommentEvent = z.infer<typeof IssueCommentEvent>;

const DELIVERY_ID = /^[\w.-]{1,100}$/;

/**
 * GitHub issue intake: turns signed webhook deliveries from a program's repository into requests,
 * keeps them in step with their issues, stores issue comments, and lets issue authors without a
 * Surplus project take their request over (project claims).
 */
export class IntakeService {
  private readonly db: Db;
  private readonly intake: IntakeRepository;
  private readonly requestsRepository: RequestsRepository;
  private readonly requests: RequestsService;
  private readonly programsRepository: ProgramsRepository;
  private readonly programs: ProgramsService;
  private readonly projects: ProjectsRepository;
  private readonly catalog: CatalogService;
  private readonly audit: AuditService;
  private readonly replies: GithubReplies;
  private readonly botLogin: string | null;

  constructor(deps: {
    db: Db;
    intake: IntakeRepository;
    requestsRepository: RequestsRepository;
    requests: RequestsService;
    programsRepository: ProgramsRepository;
    programs: ProgramsService;
    projects: ProjectsRepository;
    catalog: CatalogService;
    audit: AuditService;
    replies: GithubReplies;
    botLogin: string | null;
  }) {
    this.db = deps.db;
    this.intake = deps.intake;
    this.requestsRepository = deps.requestsRepository;
    this.requests = deps.requests;
    this.programsRepository = deps.programsRepository;
    this.programs = deps.programs;
    this.projects = deps.projects;
    this.catalog = deps.catalog;
    this.audit = deps.audit;
    this.replies = deps.replies;
    this.botLogin = deps.botLogin?.toLowerCase() ?? null;
  }

  // -------------------------------------------------------------------------------------------------
  // Deliveries

  /**
   * Verifies, routes and applies one delivery. Nothing is stored before the signature checks out,
   * and everything a delivery changes (the delivery record included) commits together or not at all.
   */
  async receive(ctx: Ctx, delivery: IncomingDelivery): Promise<DeliveryResult> {
    const signature = delivery.signature;
    if (!signature) throw new AppError('ERR_UNAUTHENTICATED', 'X-Hub-Signature-256 is missing: give the GitHub webhook a secret.');
    const payload = decode(delivery);
    if (payload === null) {
      // A body that cannot be read names no repository to route by: only a sender that holds some
      // program's secret learns that it sent broken JSON.
      if (await this.isSignedByAnyProgram(delivery.raw, signature)) {
        const what = delivery.contentType?.includes('x-www-form-urlencoded') ? 'The form field "payload"' : 'The body';
        throw new AppError('ERR_MALFORMED_JSON', `${what} is not a JSON object.`);
      }
      throw new AppError('ERR_UNAUTHENTICATED', 'X-Hub-Signature-256 does not match the body for any program.');
    }
    const repository = Repository.safeParse(payload.repository);
    if (!repository.success) {
      if (await this.isSignedByAnyProgram(delivery.raw, signature))
        invalid('repository.full_name', 'is missing: deliveries are routed by their repository');
      throw new AppError('ERR_UNAUTHENTICATED', 'X-Hub-Signature-256 does not match the body for any program.');
    }
    const fullName = repository.data.full_name;
    const program = await this.programsRepository.findByGithubRepository(this.db, fullName);
    if (!program) throw new AppError('ERR_UNAUTHENTICATED', `No program takes GitHub deliveries from ${fullName}.`);
    const secret = this.programs.githubSecret(program);
    if (!secret || !isValidSignature(secret, delivery.raw, signature)) {
      throw new AppError(
        'ERR_UNAUTHENTICATED',
        `X-Hub-Signature-256 does not match the body signed with the secret of program "${program.slug}".`,
      );
    }

    const event = delivery.event;
    if (!event || !/^[a-z_]{1,50}$/.test(event)) invalid('X-GitHub-Event', 'is missing or not an event name');
    const deliveryId = delivery.deliveryId;
    if (!deliveryId || !DELIVERY_ID.test(deliveryId)) invalid('X-GitHub-Delivery', 'is missing or not a delivery id');
    const action = typeof payload.action === 'string' ? payload.action.slice(0, 50) : null;

    // Read outside the transaction: the catalog is reference data, and parsing needs it whole.
    const catalog = event === 'issues' ? await this.catalog.snapshot() : null;
    const issues = event === 'issues' ? parsePayload(IssuesEvent, payload) : null;
    const comment = event === 'issue_comment' ? parsePayload(IssueCommentEvent, payload) : null;

    return this.db.transaction().execute(async (tx) => {
      const isNew = await this.intake.claimDelivery(tx, { id: deliveryId, programId: program.id, event, action });
      if (!isNew) return { delivery: deliveryId, outcome: 'duplicate', request: null };
      let handled: Handled;
      if (event === 'ping') handled = { outcome: 'pong', requestId: null };
      else if (issues && catalog) handled = await this.onIssues(tx, ctx, program, issues, catalog, deliveryId);
      else if (comment) handled = await this.onIssueComment(tx, ctx, program, comment);
      else handled = { outcome: `ignored: ${event} events are not used`, requestId: null };
      await this.intake.setDeliveryOutcome(tx, deliveryId, handled.outcome);
      const request = handled.requestId ? await this.requestsRepository.findById(tx, handled.requestId) : undefined;
      return {
        delivery: deliveryId,
        outcome: handled.outcome,
        request: request ? { id: request.id, number: request.number, state: request.state } : null,
      };
    });
  }

  private async isSignedByAnyProgram(raw: Buffer, signature: string): Promise<boolean> {
    for (const program of await this.intake.programsWithSecrets(this.db)) {
      const secret = this.programs.githubSecret(program);
      if (secret && isValidSignature(secret, raw, signature)) return true;
    }
    return false;
  }

  private async onIssues(
    tx: Executor,
    ctx: Ctx,
    program: ProgramRow,
    event: IssuesEvent,
    catalog: CatalogSnapshot,
    deliveryId: string,
  ): Promise<Handled> {
    const issue = event.issue;
    if (issue.pull_request !== undefined) return { outcome: 'ignored: pull requests are not requests', requestId: null };
    await this.intake.lockIssue(tx, program.id, issue.number);
    const existing = await this.requestsRepository.findByGithubIssue(tx, program.id, issue.number);
    switch (event.action) {
      case 'opened':
      case 'edited':
      case 'reopened': {
        if (!existing) {
          // An edit of a closed issue (or one opened before the webhook existed and closed since) is no request.
          if (issue.state === 'closed') return { outcome: 'ignored: the issue is closed', requestId: null };
          return this.createFromIssue(tx, ctx, program, issue, catalog, deliveryId, null);
        }
        // Withdrawal is final; the author who reopens the issue still wants servers: a new request.
        if (event.action === 'reopened' && existing.state === 'withdrawn' && issue.state !== 'closed') {
          return this.createFromIssue(tx, ctx, program, issue, catalog, deliveryId, existing);
        }
        return this.updateFromIssue(tx, ctx, existing.id, issue, catalog);
      }
      case 'closed': {
        if (!existing) return { outcome: 'ignored: no request for this issue', requestId: null };
        const request = await this.requestsRepository.lock(tx, existing.id);
        if (!request || isDecided(request.state))
          return { outcome: `ignored: the request is ${request?.state ?? 'gone'}`, requestId: existing.id };
        await this.requests.transition(tx, ctx, request.id, 'withdrawn', ISSUE_CLOSED_NOTE);
        return { outcome: 'request_withdrawn', requestId: request.id };
      }
      default:
        return { outcome: `ignored: issues.${event.action}`, requestId: existing?.id ?? null };
    }
  }

  private async createFromIssue(
    tx: Executor,
    ctx: Ctx,
    program: ProgramRow,
    issue: IssuesEvent['issue'],
    catalog: CatalogSnapshot,
    deliveryId: string,
    withdrawn: { id: string; number: number } | null,
  ): Promise<Handled> {
    const body = issue.body ?? '';
    const parsed = parseIssueBody(body, catalog, { issueTitle: issue.title });
    const author = issue.user.login;
    const link = await this.link(tx, author, parsed.repositories);
    const fields = requestFieldsOf(parsed, issue, catalog);
    const created = await this.requestsRepository.insert(tx, {
      ...fields,
      program_id: program.id,
      project_id: link.projectId,
      created_by: link.userId,
      source: 'github',
      github_issue: issue.number,
      github_author: author,
      purpose: null,
      duration: 'fixed',
      end_on: null,
      review_on: null,
      start_on: null,
      publish_results: '',
      acknowledges_sponsor: false,
    });
    await this.requestsRepository.replaceResources(tx, created.id, parsed.resources);
    await this.requestsRepository.insertEvent(tx, {
      requestId: created.id,
      from: null,
      to: 'draft',
      actorUserId: link.userId,
      actorLabel: `@${author} on GitHub`,
      note: withdrawn
        ? `Opened again: issue #${issue.number} in ${program.github_repository} was reopened after request #${withdrawn.number} was withdrawn.`
        : `Opened as issue #${issue.number} in ${program.github_repository}.`,
    });
    await this.audit.record(tx, ctx, {
      action: 'request.created',
      targetType: 'request',
      targetId: created.id,
      projectId: link.projectId,
      summary: {
        number: created.number,
        program: program.slug,
        source: 'github',
        github_issue: issue.number,
        github_author: author,
        github_delivery: deliveryId,
        ...(withdrawn ? { reopened_after: withdrawn.id } : {}),
        monthly_estimate_cents: fields.monthly_estimate_cents,
        missing: fields.missing,
        unmatched_lines: parsed.resources.filter((line) => line.unmatched !== null).length,
      },
    });
    if (!link.projectId) {
      const claim = await this.intake.insertClaim(tx, {
        githubLogin: author,
        requestId: created.id,
        repositoryUrl: parsed.repositories[0]?.url ?? null,
      });
      if (claim) {
        await this.audit.record(tx, ctx, {
          action: 'project_claim.created',
          targetType: 'project_claim',
          targetId: claim.id,
          summary: { request_id: created.id, github_login: author, repository_url: parsed.repositories[0]?.url ?? null },
        });
      }
    }
    await this.requests.transition(tx, ctx, created.id, parsed.missing.length > 0 ? 'needs_info' : 'submitted', null);
    return { outcome: withdrawn ? 'request_reopened' : 'request_created', requestId: created.id };
  }

  /** Re-reads an edited (or reopened) issue into its request while nobody has decided it. */
  private async updateFromIssue(
    tx: Executor,
    ctx: Ctx,
    requestId: string,
    issue: IssuesEvent['issue'],
    catalog: CatalogSnapshot,
  ): Promise<Handled> {
    const request = await this.requestsRepository.lock(tx, requestId);
    if (!request) return { outcome: 'ignored: the request is gone', requestId: null };
    if (isDecided(request.state)) return { outcome: `ignored: the request is ${request.state}`, requestId };
    const parsed = parseIssueBody(issue.body ?? '', catalog, { issueTitle: issue.title });
    const isComplete = parsed.missing.length === 0;

    const fields = requestFieldsOf(parsed, issue, catalog);
    const changed = (Object.keys(fields) as (keyof typeof fields)[]).filter(
      (key) => JSON.stringify(fields[key]) !== JSON.stringify(request[key as keyof typeof request]),
    );
    await this.requestsRepository.update(tx, requestId, fields);
    await this.requestsRepository.replaceResources(tx, requestId, parsed.resources);
    if (!request.project_id) await this.relink(tx, ctx, requestId, issue.user.login, parsed.repositories);
    await this.audit.record(tx, ctx, {
      action: 'request.updated',
      targetType: 'request',
      targetId: requestId,
      projectId: request.project_id,
      summary: { source: 'github', github_issue: issue.number, fields: changed, missing: fields.missing },
    });

    const state = request.state;
    if (isComplete && (state === 'needs_info' || state === 'changes_requested')) {
      await this.requests.transition(tx, ctx, requestId, 'submitted', 'The issue was edited on GitHub.');
    } else if (!isComplete && (state === 'submitted' || state === 'changes_requested')) {
      await this.requests.transition(tx, ctx, requestId, 'needs_info', 'The issue was edited on GitHub.');
    } else if (!isComplete && state === 'needs_info' && !sameItems(request.missing, fields.missing)) {
      // Still incomplete, but not in the same way: the author should hear what is missing now.
      await this.replies.enqueue(tx, requestId);
    }
    return { outcome: 'request_updated', requestId };
  }

  private async onIssueComment(tx: Executor, ctx: Ctx, program: ProgramRow, event: IssueCommentEvent): Promise<Handled> {
    if (event.issue.pull_request !== undefined) return { outcome: 'ignored: a pull request comment', requestId: null };
    // Waits for an "opened" of the same issue still being applied, so its first comment finds the request.
    await this.intake.lockIssue(tx, program.id, event.issue.number);
    const request = await this.requestsRepository.findByGithubIssue(tx, program.id, event.issue.number);
    if (!request) return { outcome: 'ignored: no request for this issue', requestId: null };
    const comment = event.comment;
    const login = comment.user.login;
    if (comment.body.includes(REPLY_MARKER) || login.toLowerCase() === this.botLogin) {
      return { outcome: 'ignored: the bot’s own comment', requestId: request.id };
    }
    const summary = { github_comment_id: comment.id, github_login: login };
    switch (event.action) {
      case 'created': {
        if (await this.intake.githubCommentExists(tx, request.id, comment.id))
          return { outcome: 'ignored: comment already stored', requestId: request.id };
        const author = await this.intake.userByGithubLogin(tx, login);
        const stored = await this.intake.insertComment(tx, {
          requestId: request.id,
          authorUserId: author?.id ?? null,
          authorLabel: `@${login} on GitHub`,
          bodyMd: comment.body,
          bodyHtml: renderMarkdown(comment.body),
          githubCommentId: comment.id,
        });
        await this.audit.record(tx, ctx, {
          action: 'request.comment_added',
          targetType: 'request',
          targetId: request.id,
          projectId: request.project_id,
          summary: { ...summary, comment_id: stored.id },
        });
        return { outcome: 'comment_stored', requestId: request.id };
      }
      case 'edited': {
        const updated = await this.intake.updateComment(tx, request.id, comment.id, {
          bodyMd: comment.body,
          bodyHtml: renderMarkdown(comment.body),
        });
        if (!updated) return { outcome: 'ignored: comment not stored', requestId: request.id };
        await this.audit.record(tx, ctx, {
          action: 'request.comment_edited',
          targetType: 'request',
          targetId: request.id,
          projectId: request.project_id,
          summary,
        });
        return { outcome: 'comment_updated', requestId: request.id };
      }
      case 'deleted': {
        const deleted = await this.intake.deleteComment(tx, request.id, comment.id);
        if (!deleted) return { outcome: 'ignored: comment not stored', requestId: request.id };
        await this.audit.record(tx, ctx, {
          action: 'request.comment_deleted',
          targetType: 'request',
          targetId: request.id,
          projectId: request.project_id,
          summary,
        });
        return { outcome: 'comment_deleted', requestId: request.id };
      }
      default:
        return { outcome: `ignored: issue_comment.${event.action}`, requestId: request.id };
    }
  }

  // -------------------------------------------------------------------------------------------------
  // Linking and claims

  /** The author's Surplus account, and their project whose repository the issue named. */
  private async link(tx: Executor, login: string, refs: RepositoryRef[]): Promise<{ userId: string | null; projectId: string | null }> {
    const user = await this.intake.userByGithubLogin(tx, login);
    if (!user) return { userId: null, projectId: null };
    const project = await this.intake.memberProjectMatching(tx, user.id, refs);
    return { userId: user.id, projectId: project?.id ?? null };
  }

  /** After an edit: link the request if the author now has the project, else keep the claim current. */
  private async relink(tx: Executor, ctx: Ctx, requestId: string, login: string, refs: RepositoryRef[]) {
    const link = await this.link(tx, login, refs);
    const claim = await this.intake.openClaimOf(tx, requestId);
    if (link.projectId && link.userId) {
      await this.intake.linkRequest(tx, requestId, link.projectId, link.userId);
      await this.audit.record(tx, ctx, {
        action: 'request.project_linked',
        targetType: 'request',
        targetId: requestId,
        projectId: link.projectId,
        summary: { github_login: login, via: 'issue edit' },
      });
      if (claim) {
        await this.intake.closeClaim(tx, claim.id, link.userId);
        await this.audit.record(tx, ctx, {
          action: 'project_claim.closed',
          targetType: 'project_claim',
          targetId: claim.id,
          projectId: link.projectId,
          summary: { request_id: requestId, reason: 'the author’s project matched the edited issue' },
        });
      }
    } else if (claim && claim.repository_url !== (refs[0]?.url ?? null)) {
      await this.intake.setClaimRepository(tx, claim.id, refs[0]?.url ?? null);
    }
  }

  async listClaims(actor: Actor): Promise<{ items: ProjectClaim[]; github_login: string | null }> {
    if (!actor.githubLogin) return { items: [], github_login: null };
    const rows = await this.intake.openClaimsFor(this.db, actor.githubLogin);
    return {
      github_login: actor.githubLogin,
      items: rows.map((row) => ({
        id: row.id,
        github_login: row.github_login,
        repository_url: row.repository_url,
        suggested_name: row.request_title,
        request: {
          id: row.request_id,
          number: row.request_number,
          title: row.request_title,
          state: row.request_state,
          program: { slug: row.program_slug, name: row.program_name },
          github_repository: row.github_repository,
          github_issue: row.github_issue,
        },
        created_at: row.created_at.toISOString(),
      })),
    };
  }

  /**
   * The issue author, now signed in with GitHub, takes their request over: links a project they own
   * or registers one from what the issue said (name and repository, overridable; the licence they
   * must give), and the request becomes theirs. One transaction, audited step by step.
   */
  async acceptClaim(ctx: SignedIn, claimId: string, body: ClaimAcceptBody): Promise<ClaimAccepted> {
    const actor = ctx.actor;
    return this.db.transaction().execute(async (tx) => {
      const claim = await this.intake.lockClaim(tx, claimId);
      // Someone else's claim answers exactly like a missing one.
      if (!claim || !actor.githubLogin || claim.github_login.toLowerCase() !== actor.githubLogin.toLowerCase()) notFound('Claim');
      if (claim.claimed_at) fail('ERR_CONFLICT', 'This claim was already accepted.');
      const request = await this.requestsRepository.lock(tx, claim.request_id);
      if (!request) notFound('Claim');

      let project: { id: string; slug: string; name: string };
      let isNewProject = false;
      if (body.project) {
        const access = await this.projects.findWithRole(tx, body.project, actor.userId);
        if (access?.role !== 'owner') invalid('project', 'is not a project you own');
        project = access.project;
      } else {
        const repositoryUrl = body.repository_url ?? claim.repository_url;
        if (!repositoryUrl) invalid('repository_url', 'is required: the issue named no repository');
        const ref = normalizeRepositoryUrl(repositoryUrl);
        if ('error' in ref) invalid('repository_url', ref.error);
        const registered = await this.intake.projectByRepository(tx, ref);
        if (registered) {
          // "Or links": the repository is already a project; only its members may attach requests to it.
          if ((await this.projects.roleOf(tx, registered.id, actor.userId)) === null) {
            fail(
              'ERR_CONFLICT',
              `repository_url: ${ref.url} is registered as project "${registered.slug}"; ask its owners to invite you.`,
              [{ field: 'repository_url', message: `is registered as project "${registered.slug}"` }],
            );
          }
          project = registered;
        } else {
          project = await this.registerProject(tx, ctx, ref, body, request.title, request.description_md);
          isNewProject = true;
        }
      }

      await this.intake.linkRequest(tx, request.id, project.id, actor.userId);
      await this.intake.closeClaim(tx, claim.id, actor.userId);
      await this.audit.record(tx, ctx, {
        action: 'request.project_linked',
        targetType: 'request',
        targetId: request.id,
        projectId: project.id,
        summary: { via: 'claim', claim_id: claim.id, github_login: claim.github_login },
      });
      await this.audit.record(tx, ctx, {
        action: 'project_claim.accepted',
        targetType: 'project_claim',
        targetId: claim.id,
        projectId: project.id,
        summary: { request_id: request.id, project: project.slug, is_new_project: isNewProject },
      });
      return {
        claim_id: claim.id,
        is_new_project: isNewProject,
        project: { id: project.id, slug: project.slug, name: project.name },
        request: { id: request.id, number: request.number, state: request.state },
      };
    });
  }

  private async registerProject(
    tx: Executor,
    ctx: SignedIn,
    ref: RepositoryRef,
    body: ClaimAcceptBody,
    title: string,
    description: string,
  ) {
    const name = body.name ?? title.trim().slice(0, 100);
    if (!name) invalid('name', 'is required: the issue gave no project title');
    if (!body.license) invalid('license', 'is required to register the project (an SPDX expression such as Apache-2.0)');
    const licence = checkLicence(body.license);
    if ('error' in licence) invalid('license', licence.error);
    let slug = body.slug ?? slugify(name);
    if (!slug) invalid('slug', 'cannot be made from this name; give one');
    if (await this.intake.slugTaken(tx, slug)) {
      if (body.slug) fail('ERR_SLUG_TAKEN', `slug: "${slug}" is already taken`, [{ field: 'slug', message: `"${slug}" is already taken` }]);
      const base = slug.slice(0, 60);
      let suffix = 2;
      while (await this.intake.slugTaken(tx, `${base}-${suffix}`)) suffix++;
      slug = `${base}-${suffix}`;
    }
    const descriptionMd = body.description ?? description;
    const project = await this.projects.insert(tx, {
      slug,
      name,
      repository_host: ref.host,
      repository_owner: ref.owner,
      repository_name: ref.name,
      license_expression: licence.expression,
      is_osi_approved: licence.isOsiApproved,
      description_md: descriptionMd,
      description_html: renderMarkdown(descriptionMd),
      website: null,
      foundation: null,
      is_public: false,
      public_fields: ['description', 'repository', 'license', 'website'],
    });
    if (!project) fail('ERR_SLUG_TAKEN', `slug: "${slug}" is already taken`, [{ field: 'slug', message: `"${slug}" is already taken` }]);
    await this.projects.addMember(tx, project.id, ctx.actor.userId, 'owner');
    await this.audit.record(tx, ctx, {
      action: 'project.created',
      targetType: 'project',
      targetId: project.id,
      projectId: project.id,
      summary: { slug, name, repository: `${ref.host}/${ref.owner}/${ref.name}`, license: licence.expression, via: 'claim' },
    });
    return project;
  }
}

/** The request columns an issue decides. */
function requestFieldsOf(parsed: ParsedIssue, issue: { title: string; body: string | null }, catalog: CatalogSnapshot) {
  const description = [parsed.project.description ?? '', ...parsed.extras.map((extra) => `#### ${extra.label}\n\n${extra.text}`)]
    .filter(Boolean)
    .join('\n\n')
    .slice(0, 20_000);
  return {
    title: (parsed.project.title ?? issue.title).slice(0, 200),
    description_md: description,
    github_body: issue.body ?? '',
    contact_name: parsed.contact.name,
    contact_email: parsed.contact.email,
    organization: parsed.contact.organization,
    project_urls: parsed.projectUrls.slice(0, 20),
    monthly_estimate_cents: estimate(parsed.resources, catalog).monthly_cents,
    missing: parsed.missing.map((entry) => entry.field as string),
  } satisfies Partial<RequestFields>;
}

function decode(delivery: IncomingDelivery): Record<string, unknown> | null {
  let text = delivery.raw.toString('utf8');
  // GitHub's other content type wraps the same JSON in a form field.
  if (delivery.contentType?.toLowerCase().includes('application/x-www-form-urlencoded'))
    text = new URLSearchParams(text).get('payload') ?? '';
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

function parsePayload<T>(schema: z.ZodType<T>, payload: unknown): T {
  const result = schema.safeParse(payload);
  if (result.success) return result.data;
  const fields = result.error.issues.map((issue) => ({ field: issue.path.join('.') || 'body', message: issue.message }));
  throw new AppError('ERR_VALIDATION', fields.map((field) => `${field.field}: ${field.message}`).join('; '), { fields });
}

function sameItems(a: string[], b: string[]) {
  return a.length === b.length && a.every((item) => b.includes(item));
}
