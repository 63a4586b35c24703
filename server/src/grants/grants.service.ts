import type { AuditService } from '../audit/audit.service.ts';
import type { Db, Executor } from '../db/database.ts';
import type { GrantState } from '../db/schema.ts';
import { type Actor, type Ctx, isAdmin, isStaff, type SignedIn, SYSTEM_CTX } from '../http/context.ts';
import { fail, invalid, notFound } from '../http/errors.ts';
import { decodeKeyset, encodeCursor } from '../http/pagination.ts';
import type { NotificationsService } from '../notifications/notifications.service.ts';
import { ProgramPolicy } from '../programs/programs.schemas.ts';
import type { ProgramsService } from '../programs/programs.service.ts';
import type { ProjectsRepository } from '../projects/projects.repository.ts';
import type { RequestsRepository } from '../requests/requests.repository.ts';
import type { RequestDetail } from '../requests/requests.schemas.ts';
import type { RequestsService } from '../requests/requests.service.ts';
import { canTransition } from '../requests/transitions.ts';
import type { WebhookGrant } from '../webhooks/webhook-events.ts';
import type { WebhooksService } from '../webhooks/webhooks.service.ts';
import { addDays, type CommittedGrant, committedCents, fiscalYearOf, formatCents } from './budget.ts';
import { calendarStateOf, daysLeftOf, earliestEndOn, lastDayOf, noticesDue } from './expiry.ts';
import type { GrantRow, GrantsRepository } from './grants.repository.ts';
import type { Grant, GrantDetail, GrantEndBody, GrantExtendBody, GrantListQuery } from './grants.schemas.ts';

/** What an approval grants: the terms a reviewer confirmed (or the prefilled ones). */
export type GrantTerms = {
  monthlyCreditCents: number;
  maxServers: number;
  allowedPlans: string[];
  allowedMetros: string[];
  startsOn: string;
  endsOn: string | null;
  reviewOn: string | null;
};

/** What a grant spent from `from` to `to` (UTC days, both included), from metering. */
export type GrantSpendSource = (grantId: string, from: string, to: string) => Promise<number>;

/** An approval beyond the remaining budget, as decideApproval allowed it. */
export type BudgetOverride = { reason: string; neededCents: number; remainingCents: number };

const LIVE_STATES: GrantState[] = ['active', 'expiring'];

export function todayUtc(): string {
  return new Date().toISOString().slice(0, 10);
}

export function committedGrantOf(terms: {
  monthly_credit_cents: string | number;
  starts_on: string;
  ends_on: string | null;
  review_on: string | null;
}): CommittedGrant {
  return {
    monthlyCreditCents: Number(terms.monthly_credit_cents),
    startsOn: terms.starts_on,
    endsOn: terms.ends_on,
    reviewOn: terms.review_on,
  };
}

/**
 * Grants: made by an approval (in the review area's transaction), read by their projects' members
 * and staff, ended by the calendar, by staff with notice, or at once by an admin for abuse. Every
 * end enqueues `grant_ended`, which provisioning uses to reclaim the grant's servers.
 */
export class GrantsService {
  private readonly db: Db;
  private readonly grants: GrantsRepository;
  private readonly requestRows: RequestsRepository;
  private readonly requests: RequestsService;
  private readonly projects: ProjectsRepository;
  private readonly programs: ProgramsService;
  private readonly audit: AuditService;
  private readonly notifications: NotificationsService;
  private readonly webhooks: WebhooksService;
  private readonly spend: GrantSpendSource;

  constructor(deps: {
    db: Db;
    grants: GrantsRepository;
    requestRows: RequestsRepository;
    requests: RequestsService;
    projects: ProjectsRepository;
    programs: ProgramsService;
    audit: AuditService;
    notifications: NotificationsService;
    webhooks: WebhooksService;
    spend: GrantSpendSource;
  }) {
    this.db = deps.db;
    this.grants = deps.grants;
    this.requestRows = deps.requestRows;
    this.requests = deps.requests;
    this.projects = deps.projects;
    this.programs = deps.programs;
    this.audit = deps.audit;
    this.notifications = deps.notifications;
    this.webhooks = deps.webhooks;
    this.spend = deps.spend;
  }

  async list(actor: Actor, query: GrantListQuery) {
    const programId = query.program ? (await this.programs.find(query.program)).id : undefined;
    let projectId: string | undefined;
    if (query.project) {
      const access = await this.projects.findWithRole(this.db, query.project, actor.userId);
      // A project you are not in answers like a missing one.
      if (!access || (access.role === null && !isStaff(actor))) notFound('Project');
      projectId = access.project.id;
    }
    const rows = await this.grants.list(this.db, {
      memberId: isStaff(actor) ? null : actor.userId,
      programId,
      projectId,
      states: query.state?.split(',') as GrantState[] | undefined,
      after: decodeKeyset(query.cursor),
      limit: query.limit,
    });
    const hasMore = rows.length > query.limit;
    const page = hasMore ? rows.slice(0, query.limit) : rows;
    const last = page.at(-1);
    return {
      items: page.map((row) => this.toGrant(row, actor)),
      next_cursor: hasMore && last ? encodeCursor({ at: last.created_at, id: last.id }) : null,
    };
  }

  async get(actor: Actor, id: string, today = todayUtc()): Promise<GrantDetail> {
    const row = await this.visible(this.db, actor, id);
    const year = fiscalYearOf(today, row.fiscal_year_start_month);
    const isLive = LIVE_STATES.includes(row.state);
    const [extensions, notices] = await Promise.all([this.grants.extensionsOf(this.db, id), this.grants.notices(this.db, id)]);
    const month = `${today.slice(0, 8)}01`;
    // One after the other: each brings metering's stored segments up to date first.
    const yearSpentCents = await this.spend(row.id, year.startsOn, today);
    const monthSpentCents = await this.spend(row.id, month, today);
    const creditCents = Number(row.monthly_credit_cents);
    return {
      ...this.toGrant(row, actor),
      figures: {
        fiscal_year: { starts_on: year.startsOn, ends_on: year.endsOn },
        committed_cents: isLive ? committedCents(committedGrantOf(row), today, year) : 0,
        spent_cents: yearSpentCents,
        days_left: daysLeftOf(row, today),
        this_month: {
          month,
          credit_cents: creditCents,
          spent_cents: monthSpentCents,
          remaining_cents: creditCents - monthSpentCents,
          percent_used: creditCents > 0 ? Math.floor((monthSpentCents * 100) / creditCents) : monthSpentCents > 0 ? 100 : 0,
        },
      },
      program_budget: isStaff(actor) ? await this.programs.budgetOf(this.db, await this.programs.find(row.program_id), today) : null,
      extensions: extensions.map((request) => ({
        id: request.id,
        number: request.number,
        state: request.state,
        created_at: request.created_at.toISOString(),
        decided_at: request.decided_at?.toISOString() ?? null,
      })),
      notices: notices.map((notice) => ({ days_before: notice.days_before, sent_at: notice.sent_at.toISOString() })),
    };
  }

  /** Staff see every grant; members see their projects' grants; anything else is "not found". */
  async visible(db: Executor, actor: Actor, id: string): Promise<GrantRow> {
    const row = await this.grants.findById(db, id);
    if (!row) notFound('Grant');
    if (isStaff(actor) || (await this.projects.roleOf(db, row.project_id, actor.userId)) !== null) return row;
    notFound('Grant');
  }

  /** Locks a grant and reads it; the review area extends grants through this. */
  async locked(tx: Executor, id: string): Promise<GrantRow> {
    if (!(await this.grants.lock(tx, id))) notFound('Grant');
    return (await this.grants.findById(tx, id)) as GrantRow;
  }

  /**
   * Makes the grant of an approved request, in the approval's transaction. grants.request_id is
   * unique, so of two approvals racing past every other check only one insert succeeds.
   */
  async issue(
    tx: Executor,
    ctx: Ctx,
    request: { id: string; number: number; programId: string; projectId: string; isAutomatic: boolean },
    terms: GrantTerms,
    override: BudgetOverride | null,
    today: string,
  ): Promise<string> {
    const state = calendarStateOf(daysLeftOf({ ends_on: terms.endsOn, review_on: terms.reviewOn }, today));
    const { id } = await this.grants
      .insert(tx, {
        program_id: request.programId,
        project_id: request.projectId,
        request_id: request.id,
        monthly_credit_cents: terms.monthlyCreditCents,
        max_servers: terms.maxServers,
        allowed_plans: terms.allowedPlans,
        allowed_metros: terms.allowedMetros,
        starts_on: terms.startsOn,
        ends_on: terms.endsOn,
        review_on: terms.reviewOn,
        override_reason: override?.reason ?? null,
        state: state === 'expired' ? 'expiring' : state,
      })
      .catch((error: unknown) => {
        if ((error as { code?: string }).code === '23505') fail('ERR_CONFLICT', `Request #${request.number} already has a grant.`);
        throw error;
      });
    await this.audit.record(tx, ctx, {
      action: 'grant.created',
      targetType: 'grant',
      targetId: id,
      projectId: request.projectId,
      summary: { request_id: request.id, ...termsSummary(terms), ...(request.isAutomatic ? { is_automatic: true } : {}) },
    });
    if (override) await this.recordOverride(tx, ctx, id, request.projectId, override);
    const grant = (await this.grants.findById(tx, id)) as GrantRow;
    await this.webhooks.emit(tx, grant.program_id, 'grant.created', { grant: webhookGrant(grant) });
    await this.tellOwners(tx, grant, {
      kind: 'grant.created',
      title: `Request #${request.number} approved: ${grant.project_name} has a grant from ${grant.program_name}`,
      body: [
        `Your request #${request.number} to ${grant.program_name} was approved${request.isAutomatic ? ' automatically' : ''}.`,
        '',
        describeTerms(grant),
      ].join('\n'),
    });
    return id;
  }

  /** Approving an extension request moves the grant's last day (and takes its new terms) instead of making a second grant. */
  async applyExtension(
    tx: Executor,
    ctx: Ctx,
    grant: GrantRow,
    request: { id: string; number: number },
    terms: GrantTerms,
    override: BudgetOverride | null,
    today: string,
  ): Promise<void> {
    const previousLastDay = lastDayOf(grant);
    const isReactivated = grant.state === 'expired';
    const state = calendarStateOf(daysLeftOf({ ends_on: terms.endsOn, review_on: terms.reviewOn }, today));
    await this.grants.update(tx, grant.id, {
      monthly_credit_cents: terms.monthlyCreditCents,
      max_servers: terms.maxServers,
      allowed_plans: terms.allowedPlans,
      allowed_metros: terms.allowedMetros,
      ends_on: terms.endsOn,
      review_on: terms.reviewOn,
      state: state === 'expired' ? 'expiring' : state,
      ended_at: null,
      end_reason: null,
      ...(override ? { override_reason: override.reason } : {}),
    });
    await this.grants.clearNotices(tx, grant.id);
    await this.audit.record(tx, ctx, {
      action: 'grant.extended',
      targetType: 'grant',
      targetId: grant.id,
      projectId: grant.project_id,
      summary: {
        request_id: request.id,
        previous_last_day: previousLastDay,
        ...termsSummary(terms),
        ...(isReactivated ? { is_reactivated: true } : {}),
      },
    });
    if (override) await this.recordOverride(tx, ctx, grant.id, grant.project_id, override);
    const extended = (await this.grants.findById(tx, grant.id)) as GrantRow;
    await this.tellOwners(tx, extended, {
      kind: 'grant.extended',
      title: `Extension #${request.number} approved: ${extended.project_name}'s grant now runs until ${lastDayOf(extended)}`,
      body: [`Your extension request #${request.number} was approved.`, '', describeTerms(extended)].join('\n'),
    });
  }

  /** Owners ask for more time with a progress report; the request is reviewed like any other. */
  async extend(ctx: SignedIn, id: string, body: GrantExtendBody, today = todayUtc()): Promise<RequestDetail> {
    const requestId = await this.db.transaction().execute(async (tx) => {
      const seen = await this.visible(tx, ctx.actor, id);
      if ((await this.projects.roleOf(tx, seen.project_id, ctx.actor.userId)) !== 'owner' && !isAdmin(ctx.actor))
        fail('ERR_FORBIDDEN', 'Only the project’s owners can ask for an extension.');
      // Read again under the lock: a revocation may have committed while we waited for it.
      const grant = await this.locked(tx, id);
      if (grant.state === 'revoked') fail('ERR_CONFLICT', 'A revoked grant cannot be extended; ask for a new grant.');
      const open = await this.grants.openExtension(tx, id);
      if (open) fail('ERR_CONFLICT', `Extension request #${open.number} for this grant is still open.`);
      const policy = ProgramPolicy.parse(grant.program_policy);
      const isOngoing = grant.ends_on === null;
      const lastDay = lastDayOf(grant);
      const field = isOngoing ? 'review_on' : 'end_on';
      if (isOngoing && body.end_on) invalid('end_on', 'this grant is ongoing: give review_on');
      if (!isOngoing && body.review_on) invalid('review_on', 'this grant has an end date: give end_on');
      const until = (isOngoing ? body.review_on : body.end_on) ?? addDays([lastDay, today].sort()[1] as string, policy.default_grant_days);
      if (until <= lastDay) invalid(field, `must be after the grant's current last day, ${lastDay}`);
      const original = await this.requestRows.findById(tx, grant.request_id);
      if (!original) notFound('Request');
      const lines = (await this.requestRows.resourcesOf(tx, [original.id])).get(original.id) ?? [];
      const report = [body.progress_report.trim(), body.results_url ? `Results: ${body.results_url}` : ''].filter(Boolean).join('\n\n');
      const created = await this.requestRows.insert(tx, {
        program_id: grant.program_id,
        project_id: grant.project_id,
        created_by: ctx.actor.userId,
        source: 'web',
        kind: 'extension',
        extends_grant_id: grant.id,
        purpose: original.purpose,
        title: `${grant.project_name} — extension of the grant from request #${grant.request_number}`,
        description_md: `Asks to extend the grant from request #${grant.request_number} from ${lastDay} to ${until}.`,
        duration: isOngoing ? 'ongoing' : 'fixed',
        end_on: isOngoing ? null : until,
        review_on: isOngoing ? until : null,
        start_on: null,
        publish_results: original.publish_results,
        acknowledges_sponsor: original.acknowledges_sponsor,
        progress_report_md: report,
        monthly_estimate_cents: Number(grant.monthly_credit_cents),
      });
      await this.requestRows.replaceResources(tx, created.id, lines);
      await this.requestRows.insertEvent(tx, {
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
        projectId: grant.project_id,
        summary: { number: created.number, kind: 'extension', grant_id: grant.id, [field]: until },
      });
      await this.requests.transition(tx, ctx, created.id, 'submitted', `Extension of the grant until ${until}.`);
      return created.id;
    });
    return this.requests.get(ctx.actor, requestId);
  }

  /**
   * Staff end a grant early, but never with less than the program's notice: the servers stay until
   * the new last day, and the expiry job ends the grant after it.
   */
  async end(ctx: SignedIn, id: string, body: GrantEndBody, today = todayUtc()): Promise<GrantDetail> {
    await this.db.transaction().execute(async (tx) => {
      const grant = await this.locked(tx, id);
      if (!LIVE_STATES.includes(grant.state)) fail('ERR_CONFLICT', `The grant is already ${grant.state}.`);
      const policy = ProgramPolicy.parse(grant.program_policy);
      const earliest = earliestEndOn(today, policy.min_notice_days);
      if (body.ends_on < earliest) {
        fail(
          'ERR_CONFLICT',
          `ends_on: the program gives ${policy.min_notice_days} days' notice, so the earliest allowed last day is ${earliest}; revoking for abuse is the only quicker end.`,
          [{ field: 'ends_on', message: `is before ${earliest}, the earliest allowed last day` }],
        );
      }
      const lastDay = lastDayOf(grant);
      if (body.ends_on >= lastDay)
        invalid('ends_on', `is not before the grant's current last day, ${lastDay}; an extension lengthens a grant`);
      await this.grants.update(tx, id, {
        ends_on: body.ends_on,
        end_reason: body.reason,
        state: calendarStateOf(daysLeftOf({ ends_on: body.ends_on, review_on: null }, today)) === 'active' ? 'active' : 'expiring',
      });
      await this.audit.record(tx, ctx, {
        action: 'grant.end_scheduled',
        targetType: 'grant',
        targetId: id,
        projectId: grant.project_id,
        summary: { ends_on: body.ends_on, previous_last_day: lastDay, reason: body.reason },
      });
      await this.tellOwners(tx, grant, {
        kind: 'grant.end_scheduled',
        title: `${grant.project_name}'s grant from ${grant.program_name} now ends on ${body.ends_on}`,
        body: `Program staff moved the last day of your grant from ${lastDay} to ${body.ends_on}.\n\nReason: ${body.reason}`,
      });
    });
    return this.get(ctx.actor, id, today);
  }

  /** An admin ends a grant at once for abuse: no notice, its own audit event, servers reclaimed. */
  async revoke(ctx: SignedIn, id: string, reason: string, today = todayUtc()): Promise<GrantDetail> {
    await this.db.transaction().execute(async (tx) => {
      // Approving an extension locks its request before the grant; take them in the same order.
      const candidate = await this.grants.openExtension(tx, id);
      const open = candidate ? await this.requestRows.lock(tx, candidate.id) : undefined;
      const grant = await this.locked(tx, id);
      if (!LIVE_STATES.includes(grant.state)) fail('ERR_CONFLICT', `The grant is already ${grant.state}.`);
      await this.finish(tx, ctx, grant, 'revoked', reason);
      if (open && canTransition(open.state, 'declined'))
        await this.requests.transition(tx, ctx, open.id, 'declined', 'The grant was revoked.', {
          decision_reason: 'The grant was revoked.',
        });
    });
    return this.get(ctx.actor, id, today);
  }

  /**
   * The daily expiry run: notices at 30, 7 and 1 days (once each, recorded in grant_notices),
   * `expiring` inside 30 days, `expired` after the last day. Each grant in its own transaction under
   * its row lock, so a rerun or a concurrent run changes nothing twice.
   */
  async runExpiry(today = todayUtc()): Promise<{ notices: number; expiring: number; expired: number }> {
    const counts = { notices: 0, expiring: 0, expired: 0 };
    for (const id of await this.grants.liveIds(this.db)) {
      await this.db.transaction().execute(async (tx) => {
        const grant = await this.locked(tx, id);
        if (!LIVE_STATES.includes(grant.state)) return;
        const daysLeft = daysLeftOf(grant, today);
        const state = calendarStateOf(daysLeft);
        if (state === 'expired') {
          await this.finish(tx, SYSTEM_CTX, grant, 'expired', grant.end_reason ?? `Its last day, ${lastDayOf(grant)}, has passed.`);
          counts.expired++;
          return;
        }
        if (state !== grant.state) {
          await this.grants.update(tx, id, { state });
          await this.audit.record(tx, SYSTEM_CTX, {
            action: `grant.${state}`,
            targetType: 'grant',
            targetId: id,
            projectId: grant.project_id,
            summary: { from: grant.state, to: state, last_day: lastDayOf(grant) },
          });
          if (state === 'expiring') {
            await this.webhooks.emit(tx, grant.program_id, 'grant.expiring', {
              grant: webhookGrant({ ...grant, state }),
              days_left: daysLeft,
            });
            counts.expiring++;
          }
        }
        const sent = (await this.grants.notices(tx, id)).map((notice) => notice.days_before);
        const due = noticesDue(daysLeft, sent);
        await this.grants.recordNotices(tx, id, due.record);
        if (due.send === null) return;
        const open = await this.grants.openExtension(tx, id);
        const lastDay = lastDayOf(grant);
        await this.tellOwners(tx, grant, {
          kind: 'grant.expiry_notice',
          title: `${grant.project_name}'s grant from ${grant.program_name} ends in ${daysLeft === 0 ? 'less than a day' : `${daysLeft} day${daysLeft === 1 ? '' : 's'}`}`,
          body: [
            `Your grant's last day is ${lastDay}. After it, its servers are reclaimed.`,
            open
              ? `Your extension request #${open.number} is with the reviewers.`
              : 'To keep the servers, ask for an extension on the grant’s page with a progress report or a link to your results.',
          ].join('\n\n'),
        });
        counts.notices++;
      });
    }
    return counts;
  }

  /**
   * The `grant_ended` job. Provisioning will reclaim the grant's servers here; until it exists this
   * only records, once, that the end was handled.
   */
  async recordEnded(grantId: string): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      if (!(await this.grants.lock(tx, grantId))) return;
      if (await this.grants.hasAuditEvent(tx, 'grant.ended', grantId)) return;
      const grant = (await this.grants.findById(tx, grantId)) as GrantRow;
      await this.audit.record(tx, SYSTEM_CTX, {
        action: 'grant.ended',
        targetType: 'grant',
        targetId: grantId,
        projectId: grant.project_id,
        summary: { state: grant.state, end_reason: grant.end_reason },
      });
    });
  }

  private async finish(tx: Executor, ctx: Ctx, grant: GrantRow, state: 'expired' | 'revoked', reason: string) {
    await this.grants.update(tx, grant.id, { state, ended_at: new Date(), end_reason: reason });
    await this.grants.enqueueEnded(tx, grant.id);
    await this.webhooks.emit(tx, grant.program_id, 'grant.ended', { grant: webhookGrant({ ...grant, state }), reason });
    await this.audit.record(tx, ctx, {
      action: `grant.${state}`,
      targetType: 'grant',
      targetId: grant.id,
      projectId: grant.project_id,
      summary: { from: grant.state, to: state, reason, last_day: lastDayOf(grant) },
    });
    await this.tellOwners(tx, grant, {
      kind: `grant.${state}`,
      title: `${grant.project_name}'s grant from ${grant.program_name} ${state === 'revoked' ? 'was revoked' : 'has ended'}`,
      body: `${reason}\n\nIts servers are being reclaimed.`,
    });
  }

  private async recordOverride(tx: Executor, ctx: Ctx, grantId: string, projectId: string, override: BudgetOverride) {
    await this.audit.record(tx, ctx, {
      action: 'grant.budget_override',
      targetType: 'grant',
      targetId: grantId,
      projectId,
      summary: {
        reason: override.reason,
        needed_cents: override.neededCents,
        remaining_cents: override.remainingCents,
        remaining_after_cents: override.remainingCents - override.neededCents,
      },
    });
  }

  /** Every owner hears about their grant twice: in the app and by email. */
  private async tellOwners(tx: Executor, grant: GrantRow, message: { kind: string; title: string; body: string }) {
    await this.notifications.notify(tx, {
      userIds: await this.notifications.projectOwnerIds(tx, grant.project_id),
      kind: message.kind,
      title: message.title,
      body: message.body,
      link: `/grants/${grant.id}`,
      email: true,
    });
  }

  private toGrant(row: GrantRow, actor: Actor): Grant {
    return {
      id: row.id,
      program: { id: row.program_id, slug: row.program_slug, name: row.program_name },
      project: { id: row.project_id, slug: row.project_slug, name: row.project_name },
      request: { id: row.request_id, number: row.request_number },
      state: row.state,
      currency: row.currency,
      monthly_credit_cents: Number(row.monthly_credit_cents),
      max_servers: row.max_servers,
      servers_in_use: Number(row.project_servers_in_use ?? 0),
      allowed_plans: row.allowed_plans,
      allowed_metros: row.allowed_metros,
      starts_on: row.starts_on,
      ends_on: row.ends_on,
      review_on: row.review_on,
      last_day: lastDayOf(row),
      override_reason: isStaff(actor) ? row.override_reason : null,
      ended_at: row.ended_at?.toISOString() ?? null,
      end_reason: row.end_reason,
      created_at: row.created_at.toISOString(),
    };
  }
}

function webhookGrant(grant: GrantRow): WebhookGrant {
  return {
    id: grant.id,
    request_id: grant.request_id,
    project: { id: grant.project_id, slug: grant.project_slug, name: grant.project_name },
    monthly_credit_cents: Number(grant.monthly_credit_cents),
    max_servers: grant.max_servers,
    allowed_plans: grant.allowed_plans,
    allowed_metros: grant.allowed_metros,
    starts_on: grant.starts_on,
    ends_on: grant.ends_on,
    review_on: grant.review_on,
    state: grant.state,
  };
}

/** The terms in the API's and the audit log's shape: review's proposed terms and the grant's audit summaries. */
export function termsSummary(terms: GrantTerms) {
  return {
    monthly_credit_cents: terms.monthlyCreditCents,
    max_servers: terms.maxServers,
    allowed_plans: terms.allowedPlans,
    allowed_metros: terms.allowedMetros,
    starts_on: terms.startsOn,
    ends_on: terms.endsOn,
    review_on: terms.reviewOn,
  };
}

function describeTerms(grant: GrantRow): string {
  return [
    `Monthly credit: up to ${formatCents(Number(grant.monthly_credit_cents), grant.currency)}`,
    `Servers at once: up to ${grant.max_servers}`,
    `Plans: ${grant.allowed_plans.join(', ') || 'any'}`,
    `Metros: ${grant.allowed_metros.join(', ') || 'any'}`,
    `From ${grant.starts_on} ${grant.ends_on ? `until ${grant.ends_on}` : `(ongoing), next review ${grant.review_on}`}`,
  ].join('\n');
}
