import type { AuditService } from '../audit/audit.service.ts';
import type { CatalogService, CatalogSnapshot } from '../catalog/catalog.service.ts';
import type { Db, Executor } from '../db/database.ts';
import type { RequestState } from '../db/schema.ts';
import { type Actor, type Ctx, isStaff, type SignedIn } from '../http/context.ts';
import { AppError, type FieldError, fail, notFound, withArticle } from '../http/errors.ts';
import { ProgramPolicy } from '../programs/programs.schemas.ts';
import type { ProgramsService } from '../programs/programs.service.ts';
import { renderMarkdown } from '../projects/markdown.ts';
import type { ProjectsRepository } from '../projects/projects.repository.ts';
import { checkEligibility } from './eligibility.ts';
import { estimate, type StoredLine } from './estimate.ts';
import type { RequestFields, RequestRow, RequestsRepository } from './requests.repository.ts';
import {
  PURPOSE_LABELS,
  type Request,
  type RequestCreateBody,
  type RequestDetail,
  type RequestListQuery,
  type RequestUpdateBody,
  type ResourceLineInput,
} from './requests.schemas.ts';
import { canTransition, EDITABLE_STATES, OPEN_STATES } from './transitions.ts';

/**
 * Called in the transaction that moved a request, after the move: auto-approval, GitHub replies and
 * notifications hang off this without the requests area knowing them.
 */
export type TransitionListener = (
  tx: Executor,
  ctx: Ctx,
  change: { requestId: string; from: RequestState | null; to: RequestState; note: string | null },
) => Promise<void>;

const DAY_MS = 86_400_000;

export class RequestsService {
  private readonly db: Db;
  private readonly requests: RequestsRepository;
  private readonly projects: ProjectsRepository;
  private readonly programs: ProgramsService;
  private readonly catalog: CatalogService;
  private readonly audit: AuditService;
  private readonly listeners: TransitionListener[] = [];

  constructor(
    db: Db,
    requests: RequestsRepository,
    projects: ProjectsRepository,
    programs: ProgramsService,
    catalog: CatalogService,
    audit: AuditService,
  ) {
    this.db = db;
    this.requests = requests;
    this.projects = projects;
    this.programs = programs;
    this.catalog = catalog;
    this.audit = audit;
  }

  onTransition(listener: TransitionListener) {
    this.listeners.push(listener);
  }

  async estimate(lines: ResourceLineInput[]) {
    const catalog = await this.catalog.snapshot();
    const stored = validateLines(lines, catalog);
    return { ...estimate(stored, catalog), currency: 'USD' };
  }

  async create(ctx: SignedIn, body: RequestCreateBody): Promise<RequestDetail> {
    const program = await this.programs
      .find(body.program)
      .catch(() => fail('ERR_VALIDATION', 'program: no such program', [{ field: 'program', message: 'no such program' }]));
    if (!program.is_public && !isStaff(ctx.actor))
      fail('ERR_VALIDATION', 'program: no such program', [{ field: 'program', message: 'no such program' }]);
    const access = await this.projects.findWithRole(this.db, body.project, ctx.actor.userId);
    // Someone else's project answers exactly like a missing one.
    if (!access || (access.role !== 'owner' && !ctx.actor.roles.includes('admin'))) notFound('Project');
    const catalog = await this.catalog.snapshot();
    const lines = validateLines(body.resources, catalog);
    validateDates(body);
    const id = await this.db.transaction().execute(async (tx) => {
      const created = await this.requests.insert(tx, {
        program_id: program.id,
        project_id: access.project.id,
        created_by: ctx.actor.userId,
        source: 'web',
        purpose: body.purpose,
        title: body.title || `${access.project.name} — ${PURPOSE_LABELS[body.purpose]}`,
        description_md: body.description,
        duration: body.duration,
        end_on: body.end_on ?? null,
        review_on: body.review_on ?? null,
        start_on: body.start_on ?? null,
        publish_results: body.publish_results,
        acknowledges_sponsor: body.acknowledges_sponsor,
        monthly_estimate_cents: estimate(lines, catalog).monthly_cents,
      });
      await this.requests.replaceResources(tx, created.id, lines);
      await this.requests.insertEvent(tx, {
        requestId: created.id,
        from: null,
        to: 'draft',
        actorUserId: ctx.actor.userId,
        actorLabel: ctx.actor.email,
        note: null,
      });
      await this.audit.record(tx, ctx, {
        action: 'request.created',
        targetType: 'request',
        targetId: created.id,
        projectId: access.project.id,
        summary: {
          number: created.number,
          program: program.slug,
          purpose: body.purpose,
          monthly_estimate_cents: estimate(lines, catalog).monthly_cents,
        },
      });
      if (body.submit) await this.submitIn(tx, ctx, created.id);
      return created.id;
    });
    return this.get(ctx.actor, id);
  }

  async update(ctx: SignedIn, id: string, body: RequestUpdateBody): Promise<RequestDetail> {
    const catalog = await this.catalog.snapshot();
    const lines = body.resources ? validateLines(body.resources, catalog) : undefined;
    await this.db.transaction().execute(async (tx) => {
      const request = await this.writable(tx, ctx.actor, id);
      if (!EDITABLE_STATES.includes(request.state)) fail('ERR_CONFLICT', `${withArticle(request.state, true)} request cannot be edited.`);
      const merged = {
        duration: body.duration ?? request.duration,
        end_on: body.end_on !== undefined ? body.end_on : request.end_on,
        review_on: body.review_on !== undefined ? body.review_on : request.review_on,
        start_on: body.start_on !== undefined ? body.start_on : request.start_on,
      };
      validateDates(merged);
      const patch: Partial<RequestFields> = { ...merged };
      if (body.purpose !== undefined) patch.purpose = body.purpose;
      if (body.title !== undefined) patch.title = body.title;
      if (body.description !== undefined) patch.description_md = body.description;
      if (body.publish_results !== undefined) patch.publish_results = body.publish_results;
      if (body.acknowledges_sponsor !== undefined) patch.acknowledges_sponsor = body.acknowledges_sponsor;
      if (lines) {
        await this.requests.replaceResources(tx, id, lines);
        patch.monthly_estimate_cents = estimate(lines, catalog).monthly_cents;
      }
      await this.requests.update(tx, id, patch);
      await this.audit.record(tx, ctx, {
        action: 'request.updated',
        targetType: 'request',
        targetId: id,
        projectId: request.project_id,
        summary: { fields: Object.keys(body) },
      });
    });
    return this.get(ctx.actor, id);
  }

  async submit(ctx: SignedIn, id: string): Promise<RequestDetail> {
    await this.db.transaction().execute(async (tx) => {
      await this.writable(tx, ctx.actor, id);
      await this.submitIn(tx, ctx, id);
    });
    return this.get(ctx.actor, id);
  }

  async withdraw(ctx: SignedIn, id: string, reason: string | undefined): Promise<RequestDetail> {
    await this.db.transaction().execute(async (tx) => {
      await this.writable(tx, ctx.actor, id);
      await this.transition(tx, ctx, id, 'withdrawn', reason ?? null);
    });
    return this.get(ctx.actor, id);
  }

  /**
   * The one way a request changes state: checks the move is allowed, records the timeline event and
   * the audit event, stamps submission/decision times, then tells the listeners — all in `tx`.
   */
  async transition(
    tx: Executor,
    ctx: Ctx,
    id: string,
    to: RequestState,
    note: string | null,
    extra: Partial<RequestFields> & { decision_reason?: string | null } = {},
  ) {
    const request = await this.requests.lock(tx, id);
    if (!request) notFound('Request');
    const from = request.state;
    if (!canTransition(from, to)) fail('ERR_CONFLICT', `${withArticle(from, true)} request cannot become ${to}.`);
    const now = new Date();
    await this.requests.update(tx, id, {
      ...extra,
      state: to,
      ...(to === 'submitted' && !request.submitted_at ? { submitted_at: now } : {}),
      ...(['approved', 'declined', 'withdrawn'].includes(to) ? { decided_at: now } : {}),
    });
    await this.requests.insertEvent(tx, {
      requestId: id,
      from,
      to,
      actorUserId: ctx.actor?.userId ?? null,
      actorLabel: ctx.actor?.email ?? 'system',
      note,
    });
    await this.audit.record(tx, ctx, {
      action: `request.${to}`,
      targetType: 'request',
      targetId: id,
      projectId: request.project_id,
      summary: { from, to, ...(note ? { note } : {}) },
    });
    for (const listener of this.listeners) await listener(tx, ctx, { requestId: id, from, to, note });
  }

  async get(actor: Actor, id: string): Promise<RequestDetail> {
    const row = await this.visible(this.db, actor, id);
    const [request] = await this.toRequests(this.db, [row]);
    const events = await this.requests.events(this.db, id);
    return {
      ...(request as Request),
      eligibility: await this.eligibility(this.db, row),
      timeline: events.map((event) => ({
        from_state: event.from_state,
        to_state: event.to_state,
        actor: event.actor_label,
        note: event.note,
        occurred_at: event.occurred_at.toISOString(),
      })),
    };
  }

  async list(actor: Actor, query: RequestListQuery) {
    const programId = query.program ? (await this.programs.find(query.program)).id : undefined;
    let projectId: string | undefined;
    if (query.project) {
      const project = await this.projects.findByKey(this.db, query.project);
      if (!project) notFound('Project');
      projectId = project.id;
    }
    const after = decodeRequestCursor(query.cursor, query.sort);
    const rows = await this.requests.list(this.db, {
      visibleTo: isStaff(actor) ? 'all' : { userId: actor.userId },
      programId,
      projectId,
      states: query.state?.split(','),
      purpose: query.purpose,
      source: query.source,
      submittedBefore: query.min_age_days !== undefined ? new Date(Date.now() - query.min_age_days * DAY_MS) : undefined,
      minCostCents: query.min_cost_cents,
      maxCostCents: query.max_cost_cents,
      sort: query.sort,
      after,
      limit: query.limit,
    });
    const hasMore = rows.length > query.limit;
    const page = hasMore ? rows.slice(0, query.limit) : rows;
    const last = page.at(-1);
    return {
      items: await this.toRequests(this.db, page),
      next_cursor: hasMore && last ? encodeRequestCursor(last, query.sort) : null,
    };
  }

  /** Loads a request the actor may see; anything else is "not found". */
  async visible(db: Executor, actor: Actor, id: string): Promise<RequestRow> {
    const request = await this.requests.findById(db, id);
    if (!request) notFound('Request');
    if (isStaff(actor) || request.created_by === actor.userId) return request;
    if (request.project_id && (await this.projects.roleOf(db, request.project_id, actor.userId)) !== null) return request;
    notFound('Request');
  }

  async eligibility(db: Executor, request: RequestRow) {
    const policy = ProgramPolicy.parse(request.program_policy);
    const project = request.project_id ? await this.projects.findByKey(db, request.project_id) : undefined;
    return checkEligibility(
      {
        project: project
          ? {
              licenseExpression: project.license_expression,
              isOsiApproved: project.is_osi_approved,
              repositoryHost: project.repository_host,
              repositoryUrl: `https://${project.repository_host}/${project.repository_owner}/${project.repository_name}`,
              foundation: project.foundation,
              maintainerCount: await this.requests.maintainerCount(db, project.id),
            }
          : null,
        otherOpenRequests: project ? await this.requests.openNumbers(db, request.program_id, project.id, request.id) : [],
      },
      policy,
    );
  }

  private async submitIn(tx: Executor, ctx: Ctx, id: string) {
    const request = await this.requests.findById(tx, id);
    if (!request) notFound('Request');
    const missing = missingFields(request, (await this.requests.resourcesOf(tx, [id])).get(id) ?? []);
    if (missing.length > 0) {
      throw new AppError('ERR_VALIDATION', `The request is not complete: ${missing.map((f) => `${f.field} ${f.message}`).join('; ')}.`, {
        fields: missing,
      });
    }
    await this.transition(tx, ctx, id, 'submitted', null, { missing: [] });
  }

  /** Only the project's owners (or the author of a project-less request) change a request. */
  private async writable(tx: Executor, actor: Actor, id: string) {
    const request = await this.visible(tx, actor, id);
    const isOwner = request.project_id
      ? (await this.projects.roleOf(tx, request.project_id, actor.userId)) === 'owner'
      : request.created_by === actor.userId;
    if (!isOwner && !actor.roles.includes('admin')) {
      if (isStaff(actor)) fail('ERR_FORBIDDEN', 'Staff review requests; only the project’s owners change them.');
      fail('ERR_FORBIDDEN', 'Only the project’s owners can change this request.');
    }
    return request;
  }

  private async toRequests(db: Executor, rows: RequestRow[]): Promise<Request[]> {
    // Side by side: the catalog is read on its own connection, so `db` (perhaps a transaction) runs one query.
    const [resources, catalog] = await Promise.all([
      this.requests.resourcesOf(
        db,
        rows.map((row) => row.id),
      ),
      this.catalog.snapshot(),
    ]);
    const now = Date.now();
    // One parse per program, not per row: a page of 50 usually spans one or two programs.
    const policies = new Map<string, ProgramPolicy>();
    return rows.map((row) => {
      const policy = policies.get(row.program_id) ?? ProgramPolicy.parse(row.program_policy);
      policies.set(row.program_id, policy);
      const priced = estimate(resources.get(row.id) ?? [], catalog);
      const waiting = waitingOf(row, policy.review_target_days, now);
      return {
        id: row.id,
        number: row.number,
        program: { id: row.program_id, slug: row.program_slug, name: row.program_name },
        project:
          row.project_id && row.project_slug && row.project_name
            ? { id: row.project_id, slug: row.project_slug, name: row.project_name }
            : null,
        source: row.source,
        github_issue: row.github_issue,
        github_author: row.github_author,
        state: row.state,
        kind: row.kind,
        extends_grant_id: row.extends_grant_id,
        purpose: row.purpose as Request['purpose'],
        title: row.title,
        description: row.description_md,
        description_html: row.description_html ?? renderMarkdown(row.description_md),
        contact: { name: row.contact_name, email: row.contact_email, organization: row.organization },
        project_urls: row.project_urls,
        resources: priced.lines,
        duration: row.duration,
        end_on: row.end_on,
        review_on: row.review_on,
        start_on: row.start_on,
        publish_results: row.publish_results,
        acknowledges_sponsor: row.acknowledges_sponsor,
        progress_report: row.progress_report_md,
        monthly_estimate_cents: Number(row.monthly_estimate_cents),
        missing: row.missing,
        decision_reason: row.decision_reason,
        waiting_days: waiting.days,
        is_overdue: waiting.isOverdue,
        grant_id: row.grant_id,
        created_at: row.created_at.toISOString(),
        submitted_at: row.submitted_at?.toISOString() ?? null,
        decided_at: row.decided_at?.toISOString() ?? null,
      };
    });
  }
}

/**
 * Days since submission until the decision (or `now`, to a tenth), and whether an open request has
 * waited longer than its program's review-time target.
 */
export function waitingOf(
  request: { state: RequestState; submitted_at: Date | null; decided_at: Date | null },
  reviewTargetDays: number,
  now: number,
): { days: number; isOverdue: boolean } {
  const days = request.submitted_at ? ((request.decided_at?.getTime() ?? now) - request.submitted_at.getTime()) / DAY_MS : 0;
  return {
    days: Math.round(days * 10) / 10,
    isOverdue: OPEN_STATES.includes(request.state) && request.submitted_at !== null && days > reviewTargetDays,
  };
}

/**
 * When waitingOf's answer for this request next changes (ms), as time alone goes on: its days, shown
 * to a tenth, step at each half tenth; its overdue flag turns at the review target. Infinity for a
 * request decided or never submitted.
 */
export function waitingChangesAt(
  request: { state: RequestState; submitted_at: Date | null; decided_at: Date | null },
  reviewTargetDays: number,
  now: number,
): number {
  if (!request.submitted_at || request.decided_at) return Number.POSITIVE_INFINITY;
  const since = request.submitted_at.getTime();
  const tenths = Math.round(((now - since) / DAY_MS) * 10);
  const nextStep = since + ((tenths + 0.5) / 10) * DAY_MS;
  // Overdue once past the target (days > target): from the next millisecond on.
  const overdueAt = since + reviewTargetDays * DAY_MS + 1;
  return OPEN_STATES.includes(request.state) && overdueAt > now ? Math.min(nextStep, overdueAt) : nextStep;
}

/** Checks each line against the catalog; names the line and field of every problem at once. */
export function validateLines(lines: ResourceLineInput[], catalog: CatalogSnapshot): StoredLine[] {
  const errors: FieldError[] = [];
  const stored = lines.map((line, index) => {
    const at = `resources[${index}]`;
    const plan = catalog.plans.get(line.plan);
    const os = catalog.operatingSystems.get(line.operating_system);
    if (!plan) errors.push({ field: `${at}.plan`, message: `unknown plan "${line.plan}"` });
    else if (!plan.is_available) errors.push({ field: `${at}.plan`, message: `plan "${line.plan}" is not offered now` });
    if (!catalog.metros.has(line.metro)) errors.push({ field: `${at}.metro`, message: `unknown metro "${line.metro}"` });
    if (!os) errors.push({ field: `${at}.operating_system`, message: `unknown operating system "${line.operating_system}"` });
    else if (os.status === 'end_of_life')
      errors.push({ field: `${at}.operating_system`, message: `${os.name} reached end of life on ${os.end_of_life_on}` });
    else if (plan && !os.architectures.includes(plan.architecture)) {
      errors.push({ field: `${at}.operating_system`, message: `${os.name} is not offered for ${plan.architecture} (plan ${plan.slug})` });
    }
    return { plan: line.plan, quantity: line.quantity, metro: line.metro, operating_system: line.operating_system, unmatched: null };
  });
  if (errors.length > 0) throw new AppError('ERR_VALIDATION', errors.map((e) => `${e.field}: ${e.message}`).join('; '), { fields: errors });
  return stored;
}

function validateDates(body: {
  duration: 'fixed' | 'ongoing';
  end_on?: string | null;
  review_on?: string | null;
  start_on?: string | null;
}) {
  const today = new Date().toISOString().slice(0, 10);
  const errors: FieldError[] = [];
  if (body.end_on && body.end_on < today) errors.push({ field: 'end_on', message: 'is in the past' });
  if (body.review_on && body.review_on < today) errors.push({ field: 'review_on', message: 'is in the past' });
  if (body.start_on && body.end_on && body.end_on < body.start_on) errors.push({ field: 'end_on', message: 'is before start_on' });
  if (errors.length > 0) throw new AppError('ERR_VALIDATION', errors.map((e) => `${e.field}: ${e.message}`).join('; '), { fields: errors });
}

/** What a request must say before review: the same list the GitHub bot replies with. */
export function missingFields(request: RequestRow, lines: StoredLine[]): FieldError[] {
  const missing: FieldError[] = [];
  if (!request.project_id) missing.push({ field: 'project', message: 'is not linked to a registered project' });
  if (!request.purpose) missing.push({ field: 'purpose', message: 'is required' });
  if (!request.description_md.trim()) missing.push({ field: 'description', message: 'is required: say what you will do with the servers' });
  if (lines.length === 0) missing.push({ field: 'resources', message: 'needs at least one plan × quantity × metro line' });
  for (const [index, line] of lines.entries()) {
    if (!line.plan) missing.push({ field: `resources[${index}].plan`, message: `"${line.unmatched ?? ''}" matches no plan` });
    if (!line.metro) missing.push({ field: `resources[${index}].metro`, message: 'is required' });
    if (!line.operating_system) missing.push({ field: `resources[${index}].operating_system`, message: 'is required' });
  }
  if (request.duration === 'fixed' && !request.end_on) missing.push({ field: 'end_on', message: 'is required for a fixed duration' });
  if (request.duration === 'ongoing' && !request.review_on)
    missing.push({ field: 'review_on', message: 'is required for an ongoing request' });
  return missing;
}

/** The cursor after `last` in a request list (and the review queue) sorted by `sort`. */
export function encodeRequestCursor(
  last: { id: string; monthly_estimate_cents: string | number; submitted_at: Date | null; created_at: Date },
  sort: RequestListQuery['sort'],
): string {
  const value = sort.startsWith('cost') ? String(last.monthly_estimate_cents) : (last.submitted_at ?? last.created_at).toISOString();
  return Buffer.from(JSON.stringify([value, last.id])).toString('base64url');
}

const CURSOR_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const CURSOR_CENTS = /^-?\d{1,18}$/;

/**
 * The cursor's sort value and id. The value reaches SQL as a bigint (cost sorts) or a timestamptz,
 * so one PostgreSQL would refuse is a bad cursor (400), not a database error (500).
 */
export function decodeRequestCursor(cursor: string | undefined, sort: RequestListQuery['sort']) {
  if (!cursor) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    parsed = undefined;
  }
  const [value, id] = Array.isArray(parsed) && parsed.length === 2 ? parsed : [];
  const isValue =
    typeof value === 'string' &&
    (sort.startsWith('cost') ? CURSOR_CENTS.test(value) : /^\d{4}-\d{2}-\d{2}T/.test(value) && !Number.isNaN(Date.parse(value)));
  if (!isValue || typeof id !== 'string' || !CURSOR_ID.test(id)) {
    return fail('ERR_VALIDATION', 'cursor: is not a cursor this API issued', [
      { field: 'cursor', message: 'is not a cursor this API issued' },
    ]);
  }
  return { value, id };
}
