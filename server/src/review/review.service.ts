import type { AuditService } from '../audit/audit.service.ts';
import type { CatalogService, CatalogSnapshot } from '../catalog/catalog.service.ts';
import type { Db, Executor } from '../db/database.ts';
import { PageCache } from '../db/page-cache.ts';
import type { RequestState } from '../db/schema.ts';
import {
  addDays,
  additionalCommitmentCents,
  type BudgetFigures,
  type CommittedGrant,
  decideApproval,
  fiscalYearOf,
  formatCents,
} from '../grants/budget.ts';
import { lastDayOf } from '../grants/expiry.ts';
import type { GrantRow } from '../grants/grants.repository.ts';
import {
  type BudgetOverride,
  committedGrantOf,
  type GrantsService,
  type GrantTerms,
  termsSummary,
  todayUtc,
} from '../grants/grants.service.ts';
import { type Actor, type Ctx, isAdmin, isStaff, type SignedIn } from '../http/context.ts';
import { AppError, type FieldError, fail, invalid, notFound, withArticle } from '../http/errors.ts';
import type { InsightService } from '../insight/insight.service.ts';
import type { NotificationsService } from '../notifications/notifications.service.ts';
import type { ProgramsRepository } from '../programs/programs.repository.ts';
import { type Budget, ProgramPolicy } from '../programs/programs.schemas.ts';
import type { ProgramsService } from '../programs/programs.service.ts';
import { renderMarkdown } from '../projects/markdown.ts';
import type { ProjectsRepository } from '../projects/projects.repository.ts';
import { isEligible } from '../requests/eligibility.ts';
import type { StoredLine } from '../requests/estimate.ts';
import type { RequestRow, RequestsRepository } from '../requests/requests.repository.ts';
import type { RequestListQuery } from '../requests/requests.schemas.ts';
import {
  decodeRequestCursor,
  encodeRequestCursor,
  type RequestsService,
  type TransitionListener,
  waitingChangesAt,
  waitingOf,
} from '../requests/requests.service.ts';
import type { StoriesService } from '../stories/stories.service.ts';
import type { WebhookRequest } from '../webhooks/webhook-events.ts';
import type { WebhooksService } from '../webhooks/webhooks.service.ts';
import type { ReviewRepository } from './review.repository.ts';
import {
  type ApproveBody,
  type Comment,
  type CommentCreateBody,
  DECLINE_TEMPLATE_IDS,
  DECLINE_TEMPLATES,
  type DeclineBody,
  type Evidence,
  type ReviewQueueItem,
  type ReviewQueuePage,
  type VoteBody,
  type VoteTally,
} from './review.schemas.ts';

/** What the queue shows unless asked otherwise: every request waiting on someone, drafts aside. */
export const QUEUE_STATES: RequestState[] = ['needs_info', 'submitted', 'in_review', 'changes_requested'];
const VOTABLE_STATES: RequestState[] = ['needs_info', 'submitted', 'in_review', 'changes_requested'];
const APPROVABLE_STATES: RequestState[] = ['submitted', 'in_review'];
const DAY_MS = 86_400_000;

type Tally = { up: number; down: number };

/** The policy fields the queue reads, with the policy's defaults for a program stored without them. */
const QueuePolicy = ProgramPolicy.pick({ approvals_required: true, review_target_days: true });

export function tallyOf(votes: Tally, policy: Pick<ProgramPolicy, 'approvals_required'>): VoteTally {
  return {
    ...votes,
    approvals_required: policy.approvals_required,
    meets_vote_rule: policy.approvals_required < 2 || (votes.up >= 2 && votes.down === 0),
  };
}

/**
 * Reviewing requests: the queue, comments, votes and the decisions. Approval makes the grant (or
 * extends one) in the same transaction, after locking the request and then the program row, so the
 * budget it checks against cannot change underneath it.
 */
/** PostgreSQL's channel for changes to requests and programs, which queue pages show (migration 0091). */
export const REVIEW_CHANNEL = 'surplus_review';

export class ReviewService {
  private readonly db: Db;
  private readonly review: ReviewRepository;
  private readonly requestRows: RequestsRepository;
  private readonly programRows: ProgramsRepository;
  private readonly projects: ProjectsRepository;
  private readonly requests: RequestsService;
  private readonly programs: ProgramsService;
  private readonly grants: GrantsService;
  private readonly catalog: CatalogService;
  private readonly stories: StoriesService;
  private readonly notifications: NotificationsService;
  private readonly webhooks: WebhooksService;
  private readonly audit: AuditService;
  private readonly insight: Pick<InsightService, 'dependencyEvidence'>;
  /** Queue pages as sent, by query, dropped on any change PostgreSQL announces (decision 0013). */
  readonly pages: PageCache;

  constructor(deps: {
    db: Db;
    review: ReviewRepository;
    requestRows: RequestsRepository;
    programRows: ProgramsRepository;
    projects: ProjectsRepository;
    requests: RequestsService;
    programs: ProgramsService;
    grants: GrantsService;
    catalog: CatalogService;
    stories: StoriesService;
    notifications: NotificationsService;
    webhooks: WebhooksService;
    audit: AuditService;
    insight: Pick<InsightService, 'dependencyEvidence'>;
    pages?: PageCache;
  }) {
    this.db = deps.db;
    this.review = deps.review;
    this.requestRows = deps.requestRows;
    this.programRows = deps.programRows;
    this.projects = deps.projects;
    this.requests = deps.requests;
    this.programs = deps.programs;
    this.grants = deps.grants;
    this.catalog = deps.catalog;
    this.stories = deps.stories;
    this.notifications = deps.notifications;
    this.webhooks = deps.webhooks;
    this.audit = deps.audit;
    this.insight = deps.insight;
    this.pages = deps.pages ?? new PageCache(null, []);
  }

  /**
   * The queue page as the route sends it (queuePage() in JSON, UTF-8 bytes). The same page asked for again is sent
   * from `pages` until something on it changes (a notification) or its waiting times move on. A
   * page filtered by age is not kept: which requests it holds changes as time goes on.
   */
  async queueJson(actor: Actor, query: RequestListQuery): Promise<Buffer> {
    if (!isStaff(actor)) fail('ERR_FORBIDDEN', 'The review queue is for program staff.');
    const key = query.min_age_days === undefined ? JSON.stringify(query) : null;
    const cached = key === null ? { generation: -1 } : await this.pages.get(key);
    if (cached.page !== undefined) return cached.page;
    const { page, expiresAt } = await this.queuePage(query);
    const json = Buffer.from(JSON.stringify(page));
    if (key !== null) this.pages.set(key, json, cached.generation, expiresAt);
    return json;
  }

  /**
   * The queue: what the queue screens show of each request (the whole request is one GET away), its
   * votes counted, in one prepared statement. Only staff reach it (the route's policy).
   */
  /** A queue page read from PostgreSQL, and when its waiting times next change by themselves (ms). */
  private async queuePage(query: RequestListQuery): Promise<{ page: ReviewQueuePage; expiresAt: number }> {
    const states = (query.state?.split(',') as RequestState[] | undefined) ?? QUEUE_STATES;
    const after = decodeRequestCursor(query.cursor, query.sort);
    const [programId, programSlug] = byIdOrSlug(query.program);
    const [projectId, projectSlug] = byIdOrSlug(query.project);
    const rows = await this.review.queuePage(this.db, {
      states,
      programId,
      programSlug,
      projectId,
      projectSlug,
      purpose: query.purpose,
      source: query.source,
      submittedBefore: query.min_age_days !== undefined ? new Date(Date.now() - query.min_age_days * DAY_MS) : undefined,
      minCostCents: query.min_cost_cents,
      maxCostCents: query.max_cost_cents,
      sort: query.sort,
      after,
      limit: query.limit + 1,
    });
    // An empty page may be an unknown program or project, which answers 404 as the request list does.
    if (rows.length === 0 && query.program) await this.programs.find(query.program);
    if (rows.length === 0 && query.project && !(await this.projects.findByKey(this.db, query.project))) notFound('Project');
    const hasMore = rows.length > query.limit;
    const page = hasMore ? rows.slice(0, query.limit) : rows;
    const last = page.at(-1);
    const now = Date.now();
    // One policy per program, not per row: a page usually spans one or two programs.
    const policies = new Map<string, Pick<ProgramPolicy, 'approvals_required' | 'review_target_days'>>();
    let expiresAt = Number.POSITIVE_INFINITY;
    const items = page.map((row): ReviewQueueItem => {
      let policy = policies.get(row.program_id);
      if (!policy) {
        policy = QueuePolicy.parse({
          approvals_required: row.approvals_required ?? undefined,
          review_target_days: row.review_target_days ?? undefined,
        });
        policies.set(row.program_id, policy);
      }
      const waiting = waitingOf(row, policy.review_target_days, now);
      expiresAt = Math.min(expiresAt, waitingChangesAt(row, policy.review_target_days, now));
      return {
        id: row.id,
        number: row.number,
        title: row.title,
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
        purpose: row.purpose as ReviewQueueItem['purpose'],
        monthly_estimate_cents: Number(row.monthly_estimate_cents),
        server_count: row.server_count,
        unmatched_lines: row.unmatched_lines,
        waiting_days: waiting.days,
        is_overdue: waiting.isOverdue,
        created_at: row.created_at.toISOString(),
        submitted_at: row.submitted_at?.toISOString() ?? null,
        decided_at: row.decided_at?.toISOString() ?? null,
        votes: tallyOf({ up: row.votes_up, down: row.votes_down }, policy),
      };
    });
    return { page: { items, next_cursor: hasMore && last ? encodeRequestCursor(last, query.sort) : null }, expiresAt };
  }

  declineTemplates() {
    return { items: DECLINE_TEMPLATE_IDS.map((id) => ({ id, ...DECLINE_TEMPLATES[id] })) };
  }

  /** Everything a reviewer weighs, in one answer: checks, money, votes, the project's history. */
  async evidence(actor: Actor, id: string, today = todayUtc()): Promise<Evidence> {
    const request = await this.requests.visible(this.db, actor, id);
    const program = await this.programs.find(request.program_id);
    const policy = this.programs.policyOf(program);
    const lines = (await this.requestRows.resourcesOf(this.db, [id])).get(id) ?? [];
    const grant = request.extends_grant_id ? await this.grants.visible(this.db, actor, request.extends_grant_id) : null;
    const terms = proposeTerms(request, lines, policy, grant, {}, today);
    const year = fiscalYearOf(today, program.fiscal_year_start_month);
    const needed = additionalCommitmentCents(grantBefore(grant), committedOf(terms), today, year);
    const budget = await this.programs.budgetOf(this.db, program, today);
    const decision = decideApproval(figuresOf(budget), needed, null);
    const tally = (await this.review.tallies(this.db, [id])).get(id) ?? { up: 0, down: 0 };
    const projectId = request.project_id;
    return {
      dependency: projectId ? await this.dependencyOf(projectId) : null,
      eligibility: await this.requests.eligibility(this.db, request),
      budget,
      proposed_terms: termsSummary(terms),
      needed_cents: needed,
      remaining_after_cents: budget.remaining_cents - Math.max(needed, 0),
      needs_override: decision.outcome === 'refused',
      votes: tallyOf(tally, policy),
      past_grants: projectId ? (await this.grants.list(actor, { project: projectId, limit: 50 })).items : [],
      past_requests: projectId
        ? (await this.review.pastRequests(this.db, projectId, id)).map((row) => ({
            id: row.id,
            number: row.number,
            state: row.state,
            kind: row.kind,
            decided_at: row.decided_at?.toISOString() ?? null,
          }))
        : [],
      stories: projectId
        ? ((await this.stories.publishedFor(this.db, [projectId])).get(projectId) ?? []).map((story) => ({
            id: story.id,
            title: story.title,
            published_at: story.published_at,
          }))
        : [],
    };
  }

  /** Whether the sponsor's products depend on the project, from supply-chain insight, in a reviewer's terms. */
  private async dependencyOf(projectId: string): Promise<Evidence['dependency']> {
    const found = await this.insight.dependencyEvidence(projectId);
    const upstream = found.upstream_project;
    return {
      is_depended_on: found.is_depended_on,
      products: found.products.map((product) => ({
        id: product.id,
        slug: product.slug,
        name: product.name,
        packages: product.packages,
        direct: product.direct,
        min_depth: product.min_depth,
      })),
      paths: upstream?.paths ?? null,
      criticality_score: upstream?.criticality_score ?? null,
      rank: upstream?.rank ?? null,
      link: upstream ? `/supply-chain/projects/${upstream.id}` : '/supply-chain',
    };
  }

  async comments(actor: Actor, id: string): Promise<{ items: Comment[] }> {
    await this.requests.visible(this.db, actor, id);
    const rows = await this.review.comments(this.db, id, { isStaffOnlyIncluded: isStaff(actor) });
    return { items: rows.map(toComment) };
  }

  async comment(ctx: SignedIn, id: string, body: CommentCreateBody): Promise<Comment> {
    if (body.is_staff_only && !isStaff(ctx.actor)) invalid('is_staff_only', 'only program staff can write staff-only comments');
    return this.db.transaction().execute(async (tx) => {
      const request = await this.requests.visible(tx, ctx.actor, id);
      const row = await this.review.insertComment(tx, {
        requestId: id,
        authorUserId: ctx.actor.userId,
        authorLabel: ctx.actor.name || ctx.actor.email,
        bodyMd: body.body,
        bodyHtml: renderMarkdown(body.body),
        isStaffOnly: body.is_staff_only,
      });
      await this.audit.record(tx, ctx, {
        action: 'request.commented',
        targetType: 'request',
        targetId: id,
        projectId: request.project_id,
        summary: { comment_id: row.id, is_staff_only: body.is_staff_only },
      });
      // Staff notes stay among staff; a staff comment the applicant can read tells the project's
      // owners, and an applicant's comment tells the program's staff (in the app only: they get many).
      if (!body.is_staff_only) {
        const isFromStaff = isStaff(ctx.actor);
        const recipients = isFromStaff
          ? request.project_id
            ? await this.notifications.projectOwnerIds(tx, request.project_id)
            : []
          : await this.staffOf(tx, request.program_id);
        await this.notifications.notify(tx, {
          userIds: recipients.filter((userId) => userId !== ctx.actor.userId),
          kind: 'request.commented',
          title: `New comment on request #${request.number}: ${request.title}`,
          body: `${ctx.actor.name || ctx.actor.email} wrote:\n\n${body.body}`,
          link: `/requests/${id}`,
          email: isFromStaff,
        });
      }
      return toComment(row);
    });
  }

  async votes(actor: Actor, id: string) {
    const request = await this.requests.visible(this.db, actor, id);
    const rows = await this.review.votes(this.db, id);
    const tally = { up: rows.filter((row) => row.vote === 1).length, down: rows.filter((row) => row.vote === -1).length };
    return {
      items: rows.map((row) => ({
        user: { id: row.user_id, name: row.name, email: row.email },
        vote: row.vote,
        scores: row.scores,
        note: row.note,
        created_at: row.created_at.toISOString(),
        updated_at: row.updated_at.toISOString(),
      })),
      tally: tallyOf(tally, this.programs.policyOf(await this.programs.find(request.program_id))),
    };
  }

  async vote(ctx: SignedIn, id: string, body: VoteBody) {
    await this.db.transaction().execute(async (tx) => {
      const request = await this.requests.visible(tx, ctx.actor, id);
      await this.assertImpartial(tx, ctx.actor, request);
      if (!VOTABLE_STATES.includes(request.state)) fail('ERR_CONFLICT', `${withArticle(request.state, true)} request takes no more votes.`);
      await this.review.upsertVote(tx, {
        requestId: id,
        userId: ctx.actor.userId,
        vote: body.vote,
        scores: body.scores,
        note: body.note ?? null,
      });
      await this.audit.record(tx, ctx, {
        action: 'request.voted',
        targetType: 'request',
        targetId: id,
        projectId: request.project_id,
        summary: { vote: body.vote, scores: body.scores },
      });
    });
    return this.votes(ctx.actor, id);
  }

  async startReview(ctx: SignedIn, id: string) {
    await this.db.transaction().execute(async (tx) => {
      const request = await this.requests.visible(tx, ctx.actor, id);
      await this.assertImpartial(tx, ctx.actor, request);
      await this.requests.transition(tx, ctx, id, 'in_review', null);
    });
    return this.requests.get(ctx.actor, id);
  }

  async requestChanges(ctx: SignedIn, id: string, reason: string) {
    await this.db.transaction().execute(async (tx) => {
      const request = await this.requests.visible(tx, ctx.actor, id);
      await this.assertImpartial(tx, ctx.actor, request);
      await this.requests.transition(tx, ctx, id, 'changes_requested', reason);
      await this.tellApplicants(tx, request, {
        kind: 'request.changes_requested',
        title: `Changes requested on request #${request.number}: ${request.title}`,
        body: `The reviewers ask for changes before they decide:\n\n${reason}\n\nEdit the request and submit it again.`,
      });
    });
    return this.requests.get(ctx.actor, id);
  }

  async decline(ctx: SignedIn, id: string, body: DeclineBody) {
    const reason = [body.template ? DECLINE_TEMPLATES[body.template].text : '', body.reason ?? ''].filter(Boolean).join('\n\n');
    await this.db.transaction().execute(async (tx) => {
      const request = await this.requests.visible(tx, ctx.actor, id);
      await this.assertImpartial(tx, ctx.actor, request);
      await this.requests.transition(tx, ctx, id, 'declined', reason, { decision_reason: reason });
      const declined = (await this.requestRows.findById(tx, id)) as RequestRow;
      await this.webhooks.emit(tx, declined.program_id, 'request.declined', { request: webhookRequest(declined), reason });
      await this.tellApplicants(tx, request, {
        kind: 'request.declined',
        title: `Request #${request.number} declined: ${request.title}`,
        body: `The reviewers declined your request.\n\n${reason}`,
      });
    });
    return this.requests.get(ctx.actor, id);
  }

  async approve(ctx: SignedIn, id: string, body: ApproveBody, today = todayUtc()) {
    const grantId = await this.db.transaction().execute(async (tx) => {
      const request = await this.requests.visible(tx, ctx.actor, id);
      await this.assertImpartial(tx, ctx.actor, request);
      return (await this.approveIn(tx, ctx, id, body, today, null)) as string;
    });
    return { request: await this.requests.get(ctx.actor, id), grant: await this.grants.get(ctx.actor, grantId, today) };
  }

  /**
   * Auto-approval, run in the transaction that submitted the request: when the program's rules
   * allow it, the system approves at once and says why on the timeline. Anything short of every rule
   * (including the budget: the system never overrides) leaves the request for people.
   */
  readonly autoApprove: TransitionListener = async (tx, ctx, change) => {
    if (change.to !== 'submitted') return;
    const request = await this.requestRows.findById(tx, change.requestId);
    // Extensions carry a progress report: people read those.
    if (request?.kind !== 'new' || !request.project_id || !request.purpose) return;
    const program = await this.programs.find(request.program_id);
    const rules = this.programs.policyOf(program).auto_approval;
    if (!rules.is_enabled) return;
    if (!isEligible(await this.requests.eligibility(tx, request))) return;
    const estimate = Number(request.monthly_estimate_cents);
    if (estimate > rules.max_monthly_estimate_cents) return;
    if (rules.purposes.length > 0 && !(rules.purposes as string[]).includes(request.purpose)) return;
    const standing = await this.review.standing(tx, request.project_id);
    if (rules.requires_good_standing && (standing.revokedGrants > 0 || standing.recentDeclines > 0)) return;
    const note = [
      'Approved automatically by the program’s rules: every eligibility check passes',
      `the estimate, ${formatCents(estimate, program.currency)} a month, is within the ${formatCents(rules.max_monthly_estimate_cents, program.currency)} limit`,
      rules.purposes.length > 0 ? `${request.purpose} is an allowed purpose` : 'every purpose is allowed',
      rules.requires_good_standing
        ? `the project is in good standing (no revoked grant, no declined request in ${standing.days} days)`
        : 'good standing is not required',
    ].join('; ');
    await this.approveIn(tx, { actor: null, requestId: ctx.requestId }, change.requestId, {}, todayUtc(), { note: `${note}.` });
  };

  /**
   * `request.submitted` for program webhooks, each time a request enters submitted (the web form, a
   * complete GitHub issue, a resubmission after changes), in the transaction that submitted it. It
   * is registered before auto-approval, so a receiver hears of the submission before the approval.
   */
  readonly announceSubmitted: TransitionListener = async (tx, _ctx, change) => {
    if (change.to !== 'submitted') return;
    const request = await this.requestRows.findById(tx, change.requestId);
    if (!request) return;
    await this.webhooks.emit(tx, request.program_id, 'request.submitted', {
      request: webhookRequest(request),
      from_state: change.from,
    });
  };

  /** The `review_overdue` job: staff hear once per request that it waited past the program's target. */
  async notifyOverdue(now = new Date()): Promise<number> {
    let notified = 0;
    for (const candidate of await this.review.overdue(this.db)) {
      await this.db.transaction().execute(async (tx) => {
        const request = await this.requestRows.findById(tx, candidate.id);
        if (!request?.submitted_at || !APPROVABLE_STATES.includes(request.state)) return;
        if (!(await this.review.markOverdue(tx, request.id))) return;
        const policy = this.programs.policyOf(await this.programs.find(request.program_id));
        const days = Math.floor((now.getTime() - request.submitted_at.getTime()) / DAY_MS);
        await this.notifications.notify(tx, {
          userIds: await this.staffOf(tx, request.program_id),
          kind: 'request.overdue',
          title: `Request #${request.number} has waited ${days} days for review`,
          body: `“${request.title}” (${request.program_name}) was submitted on ${request.submitted_at.toISOString().slice(0, 10)}; the program aims to decide within ${policy.review_target_days} days.`,
          link: `/requests/${request.id}`,
          email: true,
        });
        notified++;
      });
    }
    return notified;
  }

  /**
   * Approves in `tx`: the request row is locked first, then the program row (the order submission
   * uses too), and the budget is computed under that lock. `automatic` approvals (the system's) skip
   * the vote rule, never override the budget and answer null when the rules say no.
   */
  private async approveIn(
    tx: Executor,
    ctx: Ctx,
    id: string,
    body: ApproveBody,
    today: string,
    automatic: { note: string } | null,
  ): Promise<string | null> {
    const locked = await this.requestRows.lock(tx, id);
    if (!locked) fail('ERR_NOT_FOUND', 'Request not found.');
    if (!APPROVABLE_STATES.includes(locked.state)) fail('ERR_CONFLICT', `${withArticle(locked.state, true)} request cannot be approved.`);
    const request = (await this.requestRows.findById(tx, id)) as RequestRow;
    const projectId = request.project_id;
    if (!projectId) fail('ERR_CONFLICT', `Request #${request.number} is not linked to a registered project yet.`);
    const program = await this.programRows.lock(tx, request.program_id);
    const policy = this.programs.policyOf(program);
    if (!automatic && policy.approvals_required >= 2) {
      const tally = (await this.review.tallies(tx, [id])).get(id) ?? { up: 0, down: 0 };
      if (tally.up < 2 || tally.down > 0) fail('ERR_VOTES_NEEDED', votesNeededMessage(request.number, tally));
    }
    let grant: GrantRow | null = null;
    if (request.kind === 'extension') {
      if (!request.extends_grant_id) fail('ERR_CONFLICT', 'The grant this extension was for no longer exists.');
      grant = await this.grants.locked(tx, request.extends_grant_id);
      if (grant.state === 'revoked') fail('ERR_CONFLICT', 'The grant was revoked; it cannot be extended.');
    }
    const lines = (await this.requestRows.resourcesOf(tx, [id])).get(id) ?? [];
    const terms = proposeTerms(request, lines, policy, grant, body, today);
    const errors = checkTerms(terms, grant, body, today, await this.catalog.snapshot());
    if (errors.length > 0) {
      if (automatic) return null;
      throw new AppError('ERR_VALIDATION', errors.map((e) => `${e.field}: ${e.message}`).join('; '), { fields: errors });
    }
    const year = fiscalYearOf(today, program.fiscal_year_start_month);
    const needed = additionalCommitmentCents(grantBefore(grant), committedOf(terms), today, year);
    const budget = await this.programs.budgetOf(tx, program, today);
    const decision = decideApproval(
      figuresOf(budget),
      needed,
      automatic ? null : { reason: body.override_reason, isAdmin: isAdmin(ctx.actor) },
    );
    if (decision.outcome === 'refused') {
      if (automatic) return null;
      const how =
        decision.missing === 'admin'
          ? 'only an admin can approve beyond the budget, with override_reason'
          : 'give override_reason to approve beyond the budget';
      fail('ERR_OVER_BUDGET', `${overBudgetMessage(budget.remaining_cents, needed, program.currency)}: ${how}.`, [
        { field: 'override_reason', message: how },
      ]);
    }
    const override: BudgetOverride | null =
      decision.outcome === 'override' ? { reason: decision.reason, neededCents: needed, remainingCents: budget.remaining_cents } : null;
    const reason = automatic?.note ?? body.note ?? null;
    await this.requests.transition(tx, ctx, id, 'approved', reason, { decision_reason: reason });
    let grantId: string;
    if (grant) {
      await this.grants.applyExtension(tx, ctx, grant, { id, number: request.number }, terms, override, today);
      grantId = grant.id;
    } else {
      const made = { id, number: request.number, programId: request.program_id, projectId, isAutomatic: automatic !== null };
      grantId = await this.grants.issue(tx, ctx, made, terms, override, today);
    }
    const approved = (await this.requestRows.findById(tx, id)) as RequestRow;
    await this.webhooks.emit(tx, request.program_id, 'request.approved', {
      request: webhookRequest(approved),
      grant_id: grantId,
      reason,
    });
    return grantId;
  }

  /** Reviewers do not decide on their own project's requests. */
  private async assertImpartial(tx: Executor, actor: Actor, request: RequestRow) {
    if (request.project_id && (await this.projects.roleOf(tx, request.project_id, actor.userId)) !== null) {
      fail('ERR_FORBIDDEN', 'You are a member of this project: another reviewer decides on its requests.');
    }
  }

  /** The program's staff; with none named, everyone who may review. */
  private async staffOf(tx: Executor, programId: string): Promise<string[]> {
    const staff = await this.notifications.programStaffIds(tx, programId);
    return staff.length > 0 ? staff : this.notifications.reviewerIds(tx);
  }

  private async tellApplicants(tx: Executor, request: RequestRow, message: { kind: string; title: string; body: string }) {
    const owners = request.project_id ? await this.notifications.projectOwnerIds(tx, request.project_id) : [];
    const userIds = owners.length > 0 ? owners : request.created_by ? [request.created_by] : [];
    await this.notifications.notify(tx, { ...message, userIds, link: `/requests/${request.id}`, email: true });
  }
}

/**
 * The terms an approval grants, from the request (or, for an extension, the grant's current terms)
 * and the program's defaults, with whatever the reviewer changed on top.
 */
export function proposeTerms(
  request: RequestRow,
  lines: StoredLine[],
  policy: ProgramPolicy,
  grant: GrantRow | null,
  body: ApproveBody,
  today: string,
): GrantTerms {
  if (grant) {
    const isOngoing = grant.ends_on === null;
    const from = [lastDayOf(grant), today].sort()[1] as string;
    const until = (isOngoing ? request.review_on : request.end_on) ?? addDays(from, policy.default_grant_days);
    return {
      monthlyCreditCents: body.monthly_credit_cents ?? Number(grant.monthly_credit_cents),
      maxServers: body.max_servers ?? grant.max_servers,
      allowedPlans: unique(body.allowed_plans ?? grant.allowed_plans),
      allowedMetros: unique(body.allowed_metros ?? grant.allowed_metros),
      startsOn: grant.starts_on,
      endsOn: body.ends_on !== undefined ? body.ends_on : isOngoing ? null : until,
      reviewOn: body.review_on !== undefined ? body.review_on : isOngoing ? until : grant.review_on,
    };
  }
  const startsOn = body.starts_on ?? (request.start_on && request.start_on > today ? request.start_on : today);
  const isOngoing = request.duration === 'ongoing';
  const defaultEnd = addDays(startsOn, policy.default_grant_days);
  return {
    monthlyCreditCents: body.monthly_credit_cents ?? Number(request.monthly_estimate_cents),
    maxServers: body.max_servers ?? lines.reduce((sum, line) => sum + line.quantity, 0),
    allowedPlans: unique(body.allowed_plans ?? lines.flatMap((line) => (line.plan ? [line.plan] : []))),
    allowedMetros: unique(body.allowed_metros ?? lines.flatMap((line) => (line.metro ? [line.metro] : []))),
    startsOn,
    endsOn: body.ends_on !== undefined ? body.ends_on : isOngoing ? null : (request.end_on ?? defaultEnd),
    reviewOn: body.review_on !== undefined ? body.review_on : isOngoing ? (request.review_on ?? defaultEnd) : null,
  };
}

/** Every problem with the terms at once, each naming its field. */
export function checkTerms(
  terms: GrantTerms,
  grant: GrantRow | null,
  body: ApproveBody,
  today: string,
  catalog: CatalogSnapshot,
): FieldError[] {
  const errors: FieldError[] = [];
  if (grant && body.starts_on !== undefined && body.starts_on !== grant.starts_on)
    errors.push({ field: 'starts_on', message: 'an extension keeps the grant’s start date' });
  if (!grant && terms.startsOn < today) errors.push({ field: 'starts_on', message: 'is in the past' });
  if (terms.endsOn === null && terms.reviewOn === null)
    errors.push({ field: 'ends_on', message: 'a grant needs an end date or a review date' });
  for (const field of ['ends_on', 'review_on'] as const) {
    const day = field === 'ends_on' ? terms.endsOn : terms.reviewOn;
    if (day === null) continue;
    if (day < terms.startsOn) errors.push({ field, message: `is before the start, ${terms.startsOn}` });
    else if (day < today && (!grant || day !== grant[field])) errors.push({ field, message: 'is in the past' });
  }
  if (grant && (terms.endsOn ?? terms.reviewOn) !== null) {
    const lastDay = lastDayOf({ ends_on: terms.endsOn, review_on: terms.reviewOn });
    if (lastDay <= lastDayOf(grant))
      errors.push({
        field: terms.endsOn ? 'ends_on' : 'review_on',
        message: `must be after the grant’s current last day, ${lastDayOf(grant)}`,
      });
  }
  for (const [index, plan] of terms.allowedPlans.entries())
    if (!catalog.plans.has(plan)) errors.push({ field: `allowed_plans[${index}]`, message: `unknown plan "${plan}"` });
  for (const [index, metro] of terms.allowedMetros.entries())
    if (!catalog.metros.has(metro)) errors.push({ field: `allowed_metros[${index}]`, message: `unknown metro "${metro}"` });
  return errors;
}

/** What is missing for the two-vote rule: the +1 votes still needed and the −1 votes in the way. */
export function votesNeededMessage(requestNumber: number, tally: Tally): string {
  const missing = Math.max(2 - tally.up, 0);
  const parts = [
    missing > 0 ? `${missing} more +1 ${missing === 1 ? 'vote' : 'votes'} from another reviewer` : null,
    tally.down > 0 ? `no −1 (it has ${tally.down})` : null,
  ].filter(Boolean);
  return `Request #${requestNumber} has ${tally.up} of the 2 +1 votes and ${tally.down} −1; the program’s two-vote rule needs ${parts.join(' and ')}.`;
}

/** The remaining budget, what the approval needs and by how much it is over, in money and in cents. */
export function overBudgetMessage(remainingCents: number, neededCents: number, currency: string): string {
  const money = (cents: number) => `${formatCents(cents, currency)} (${cents} cents)`;
  return `This approval needs ${money(neededCents)} but the program has ${money(remainingCents)} left this fiscal year: ${money(neededCents - remainingCents)} over the budget`;
}

function committedOf(terms: GrantTerms): CommittedGrant {
  return { monthlyCreditCents: terms.monthlyCreditCents, startsOn: terms.startsOn, endsOn: terms.endsOn, reviewOn: terms.reviewOn };
}

/** What the grant an extension replaces still commits: nothing once it has ended. */
function grantBefore(grant: GrantRow | null): CommittedGrant | null {
  return grant && (grant.state === 'active' || grant.state === 'expiring') ? committedGrantOf(grant) : null;
}

function figuresOf(budget: Budget): BudgetFigures {
  return {
    budgetCents: budget.budget_cents,
    committedCents: budget.committed_cents,
    spentCents: budget.spent_cents,
    remainingCents: budget.remaining_cents,
  };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A program or project key as [id, slug]: ids look like UUIDs, slugs never do. */
function byIdOrSlug(key: string | undefined): [string | undefined, string | undefined] {
  if (!key) return [undefined, undefined];
  return UUID.test(key) ? [key.toLowerCase(), undefined] : [undefined, key];
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}

function toComment(row: {
  id: string;
  author_user_id: string | null;
  author_label: string;
  body_md: string;
  body_html: string;
  is_staff_only: boolean;
  created_at: Date;
}): Comment {
  return {
    id: row.id,
    author: { user_id: row.author_user_id, name: row.author_label },
    body: row.body_md,
    body_html: row.body_html,
    is_staff_only: row.is_staff_only,
    created_at: row.created_at.toISOString(),
  };
}

function webhookRequest(row: RequestRow): WebhookRequest {
  return {
    id: row.id,
    number: row.number,
    title: row.title,
    purpose: row.purpose as WebhookRequest['purpose'],
    source: row.source,
    github_issue: row.github_issue,
    project:
      row.project_id && row.project_slug && row.project_name
        ? { id: row.project_id, slug: row.project_slug, name: row.project_name }
        : null,
    monthly_estimate_cents: Number(row.monthly_estimate_cents),
    state: row.state,
  };
}
