import { sql } from 'kysely';
import type { Executor } from '../db/database.ts';
import type { GrantState } from '../db/schema.ts';
import type { Keyset } from '../http/pagination.ts';
import { LIVE_STATES } from '../servers/servers.repository.ts';

export type GrantFields = {
  program_id: string;
  project_id: string;
  request_id: string;
  monthly_credit_cents: number;
  max_servers: number;
  allowed_plans: string[];
  allowed_metros: string[];
  starts_on: string;
  ends_on: string | null;
  review_on: string | null;
  override_reason: string | null;
  state: GrantState;
};

export type GrantPatch = Partial<Omit<GrantFields, 'program_id' | 'project_id' | 'request_id'>> & {
  ended_at?: Date | null;
  end_reason?: string | null;
};

export type GrantFilter = {
  memberId: string | null;
  programId?: string;
  projectId?: string;
  states?: GrantState[];
  after?: Keyset;
  limit: number;
};

export class GrantsRepository {
  private base(db: Executor) {
    return (
      db
        .selectFrom('grants')
        .innerJoin('programs', 'programs.id', 'grants.program_id')
        .innerJoin('projects', 'projects.id', 'grants.project_id')
        .innerJoin('requests', 'requests.id', 'grants.request_id')
        .selectAll('grants')
        .select([
          'programs.slug as program_slug',
          'programs.name as program_name',
          'programs.currency as currency',
          'programs.policy as program_policy',
          'programs.fiscal_year_start_month as fiscal_year_start_month',
          'projects.slug as project_slug',
          'projects.name as project_name',
          'requests.number as request_number',
        ])
        // What the create check counts against max_servers (ServersService.enforceGrant): all of them,
        // not a page of the server list.
        .select((eb) =>
          eb
            .selectFrom('servers')
            .select(eb.fn.countAll<string>().as('n'))
            .whereRef('servers.project_id', '=', 'grants.project_id')
            .where('servers.state', 'in', LIVE_STATES)
            .as('project_servers_in_use'),
        )
    );
  }

  findById(db: Executor, id: string) {
    return this.base(db).where('grants.id', '=', id).executeTakeFirst();
  }

  /** Locks the grant row: every change to a grant holds it, so ends, extensions and the expiry job queue up. */
  lock(db: Executor, id: string) {
    return db.selectFrom('grants').select('id').where('id', '=', id).forUpdate().executeTakeFirst();
  }

  list(db: Executor, filter: GrantFilter) {
    let query = this.base(db);
    if (filter.memberId) {
      const userId = filter.memberId;
      query = query.where((eb) =>
        eb.exists(
          eb
            .selectFrom('project_members')
            .select('project_members.user_id')
            .whereRef('project_members.project_id', '=', 'grants.project_id')
            .where('project_members.user_id', '=', userId),
        ),
      );
    }
    if (filter.programId) query = query.where('grants.program_id', '=', filter.programId);
    if (filter.projectId) query = query.where('grants.project_id', '=', filter.projectId);
    if (filter.states?.length) query = query.where('grants.state', 'in', filter.states);
    if (filter.after) {
      // Compare against the cursor row's own timestamp: a Date keeps milliseconds, PostgreSQL microseconds.
      const { at, id } = filter.after;
      query = query.where(
        sql<boolean>`(grants.created_at, grants.id) < (coalesce((select c.created_at from grants c where c.id = ${id}::uuid), ${at}::timestamptz), ${id}::uuid)`,
      );
    }
    return query
      .orderBy('grants.created_at', 'desc')
      .orderBy('grants.id', 'desc')
      .limit(filter.limit + 1)
      .execute();
  }

  insert(db: Executor, fields: GrantFields) {
    return db.insertInto('grants').values(fields).returning('id').executeTakeFirstOrThrow();
  }

  async update(db: Executor, id: string, patch: GrantPatch) {
    await db
      .updateTable('grants')
      .set({ ...patch, updated_at: sql`now()` })
      .where('id', '=', id)
      .execute();
  }

  /** Grants the expiry job looks at: the ones still running. */
  liveIds(db: Executor) {
    return db
      .selectFrom('grants')
      .select('id')
      .where('state', 'in', ['active', 'expiring'])
      .orderBy('id')
      .execute()
      .then((rows) => rows.map((row) => row.id));
  }

  extensionsOf(db: Executor, grantId: string) {
    return db
      .selectFrom('requests')
      .select(['id', 'number', 'state', 'created_at', 'decided_at'])
      .where('extends_grant_id', '=', grantId)
      .orderBy('created_at')
      .execute();
  }

  openExtension(db: Executor, grantId: string) {
    return db
      .selectFrom('requests')
      .select(['id', 'number'])
      .where('extends_grant_id', '=', grantId)
      .where('state', 'in', ['draft', 'needs_info', 'submitted', 'in_review', 'changes_requested'])
      .executeTakeFirst();
  }

  notices(db: Executor, grantId: string) {
    return db
      .selectFrom('grant_notices')
      .select(['days_before', 'sent_at'])
      .where('grant_id', '=', grantId)
      .orderBy('days_before', 'desc')
      .execute();
  }

  async recordNotices(db: Executor, grantId: string, daysBefore: number[]) {
    if (daysBefore.length === 0) return;
    await db
      .insertInto('grant_notices')
      .values(daysBefore.map((days) => ({ grant_id: grantId, days_before: days })))
      .onConflict((oc) => oc.columns(['grant_id', 'days_before']).doNothing())
      .execute();
  }

  /** After an extension the countdown starts again from the new last day. */
  async clearNotices(db: Executor, grantId: string) {
    await db.deleteFrom('grant_notices').where('grant_id', '=', grantId).execute();
  }

  /** The event provisioning reclaims servers on; enqueued in the transaction that ended the grant. */
  async enqueueEnded(db: Executor, grantId: string) {
    await sql`select graphile_worker.add_job('grant_ended', json_build_object('grant_id', ${grantId}::text), max_attempts => 25)`.execute(
      db,
    );
  }

  hasAuditEvent(db: Executor, action: string, grantId: string) {
    return db
      .selectFrom('audit_events')
      .select('id')
      .where('action', '=', action)
      .where('target_type', '=', 'grant')
      .where('target_id', '=', grantId)
      .executeTakeFirst()
      .then((row) => row !== undefined);
  }
}

export type GrantRow = NonNullable<Awaited<ReturnType<GrantsRepository['findById']>>>;
