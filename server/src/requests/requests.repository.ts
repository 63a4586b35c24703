import { sql } from 'kysely';
import type { Executor } from '../db/database.ts';
import type { RequestState } from '../db/schema.ts';
import { renderMarkdown } from '../projects/markdown.ts';
import type { StoredLine } from './estimate.ts';

export type RequestFields = {
  program_id: string;
  project_id: string | null;
  created_by: string | null;
  source: 'web' | 'github';
  github_issue?: number | null;
  github_author?: string | null;
  github_body?: string | null;
  state?: RequestState;
  kind?: 'new' | 'extension';
  extends_grant_id?: string | null;
  purpose: string | null;
  title: string;
  description_md: string;
  contact_name?: string | null;
  contact_email?: string | null;
  organization?: string | null;
  project_urls?: string[];
  duration: 'fixed' | 'ongoing';
  end_on: string | null;
  review_on: string | null;
  start_on: string | null;
  publish_results: string;
  acknowledges_sponsor: boolean;
  progress_report_md?: string | null;
  monthly_estimate_cents: number;
  missing?: string[];
};

export type RequestFilter = {
  visibleTo: { userId: string } | 'all';
  programId?: string;
  projectId?: string;
  states?: string[];
  purpose?: string;
  source?: 'web' | 'github';
  submittedBefore?: Date;
  minCostCents?: number;
  maxCostCents?: number;
  sort: 'oldest' | 'newest' | 'cost_desc' | 'cost_asc';
  after?: { value: string; id: string };
  limit: number;
};

export class RequestsRepository {
  private base(db: Executor) {
    return db
      .selectFrom('requests')
      .innerJoin('programs', 'programs.id', 'requests.program_id')
      .leftJoin('projects', 'projects.id', 'requests.project_id')
      .leftJoin('grants', 'grants.request_id', 'requests.id')
      .selectAll('requests')
      .select([
        'programs.slug as program_slug',
        'programs.name as program_name',
        'programs.policy as program_policy',
        'projects.slug as project_slug',
        'projects.name as project_name',
        'grants.id as grant_id',
      ]);
  }

  findById(db: Executor, id: string) {
    return this.base(db).where('requests.id', '=', id).executeTakeFirst();
  }

  /** The issue's request that is not withdrawn, else its latest (migration 0067: an issue can hold several over time). */
  findByGithubIssue(db: Executor, programId: string, issue: number) {
    return this.base(db)
      .where('requests.program_id', '=', programId)
      .where('requests.github_issue', '=', issue)
      .orderBy(sql`requests.state = 'withdrawn'`)
      .orderBy('requests.created_at', 'desc')
      .limit(1)
      .executeTakeFirst();
  }

  lock(db: Executor, id: string) {
    return db.selectFrom('requests').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
  }

  insert(db: Executor, fields: RequestFields) {
    return db
      .insertInto('requests')
      .values({ ...fields, description_html: renderMarkdown(fields.description_md) })
      .returning(['id', 'number'])
      .executeTakeFirstOrThrow();
  }

  async update(
    db: Executor,
    id: string,
    patch: Partial<RequestFields> & { submitted_at?: Date | null; decided_at?: Date | null; decision_reason?: string | null },
  ) {
    await db
      .updateTable('requests')
      .set({ ...patch, ...rendered(patch), updated_at: sql`now()` })
      .where('id', '=', id)
      .execute();
  }

  async replaceResources(db: Executor, requestId: string, lines: StoredLine[]) {
    await db.deleteFrom('request_resources').where('request_id', '=', requestId).execute();
    if (lines.length === 0) return;
    await db
      .insertInto('request_resources')
      .values(
        lines.map((line, position) => ({
          request_id: requestId,
          position,
          plan_slug: line.plan,
          quantity: line.quantity,
          metro_code: line.metro,
          os_slug: line.operating_system,
          unmatched: line.unmatched,
        })),
      )
      .execute();
  }

  async resourcesOf(db: Executor, requestIds: string[]): Promise<Map<string, StoredLine[]>> {
    const byRequest = new Map<string, StoredLine[]>();
    if (requestIds.length === 0) return byRequest;
    const rows = await db
      .selectFrom('request_resources')
      .selectAll()
      .where('request_id', 'in', requestIds)
      .orderBy('request_id')
      .orderBy('position')
      .execute();
    for (const row of rows) {
      const lines = byRequest.get(row.request_id) ?? [];
      lines.push({
        plan: row.plan_slug,
        quantity: row.quantity,
        metro: row.metro_code,
        operating_system: row.os_slug,
        unmatched: row.unmatched,
      });
      byRequest.set(row.request_id, lines);
    }
    return byRequest;
  }

  async insertEvent(
    db: Executor,
    event: { requestId: string; from: string | null; to: string; actorUserId: string | null; actorLabel: string; note: string | null },
  ) {
    await db
      .insertInto('request_events')
      .values({
        request_id: event.requestId,
        from_state: event.from,
        to_state: event.to,
        actor_user_id: event.actorUserId,
        actor_label: event.actorLabel,
        note: event.note,
      })
      .execute();
  }

  events(db: Executor, requestId: string) {
    return db.selectFrom('request_events').selectAll().where('request_id', '=', requestId).orderBy('id').execute();
  }

  openNumbers(db: Executor, programId: string, projectId: string, exceptId: string | null) {
    let query = db
      .selectFrom('requests')
      .select('number')
      .where('program_id', '=', programId)
      .where('project_id', '=', projectId)
      .where('state', 'in', ['draft', 'needs_info', 'submitted', 'in_review', 'changes_requested']);
    if (exceptId) query = query.where('id', '!=', exceptId);
    return query
      .orderBy('number')
      .execute()
      .then((rows) => rows.map((row) => row.number));
  }

  list(db: Executor, filter: RequestFilter) {
    let query = this.base(db);
    if (filter.visibleTo !== 'all') {
      const { userId } = filter.visibleTo;
      query = query.where((eb) =>
        eb.or([
          eb('requests.created_by', '=', userId),
          eb.exists(
            eb
              .selectFrom('project_members')
              .select('project_members.user_id')
              .whereRef('project_members.project_id', '=', 'requests.project_id')
              .where('project_members.user_id', '=', userId),
          ),
        ]),
      );
    }
    if (filter.programId) query = query.where('requests.program_id', '=', filter.programId);
    if (filter.projectId) query = query.where('requests.project_id', '=', filter.projectId);
    if (filter.states?.length) query = query.where('requests.state', 'in', filter.states as RequestState[]);
    if (filter.purpose) query = query.where('requests.purpose', '=', filter.purpose);
    if (filter.source) query = query.where('requests.source', '=', filter.source);
    if (filter.submittedBefore) query = query.where('requests.submitted_at', '<=', filter.submittedBefore);
    if (filter.minCostCents !== undefined) query = query.where('requests.monthly_estimate_cents', '>=', String(filter.minCostCents));
    if (filter.maxCostCents !== undefined) query = query.where('requests.monthly_estimate_cents', '<=', String(filter.maxCostCents));
    // Keyset paging over the sort column then id; never-submitted drafts sort by creation time.
    const sortColumn = filter.sort.startsWith('cost')
      ? sql`requests.monthly_estimate_cents`
      : sql`coalesce(requests.submitted_at, requests.created_at)`;
    const isDescending = filter.sort === 'newest' || filter.sort === 'cost_desc';
    if (filter.after) {
      // The cursor's timestamp is a JavaScript Date (milliseconds) while the columns hold microseconds, so
      // comparing against it repeats or skips rows made within one millisecond (an intake burst): the exact
      // value is read back from the cursor's row, the cursor's own is the fallback when that row has gone.
      const value = filter.sort.startsWith('cost')
        ? sql`${filter.after.value}::bigint`
        : sql`coalesce((select coalesce(c.submitted_at, c.created_at) from requests c where c.id = ${filter.after.id}::uuid), ${filter.after.value}::timestamptz)`;
      query = isDescending
        ? query.where(sql<boolean>`(${sortColumn}, requests.id) < (${value}, ${filter.after.id}::uuid)`)
        : query.where(sql<boolean>`(${sortColumn}, requests.id) > (${value}, ${filter.after.id}::uuid)`);
    }
    return query
      .orderBy(sortColumn, isDescending ? 'desc' : 'asc')
      .orderBy('requests.id', isDescending ? 'desc' : 'asc')
      .limit(filter.limit + 1)
      .execute();
  }

  maintainerCount(db: Executor, projectId: string) {
    return db
      .selectFrom('project_members')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('project_id', '=', projectId)
      .executeTakeFirstOrThrow()
      .then((row) => Number(row.n));
  }
}

/**
 * The description's HTML, rendered whenever the Markdown is written: every writer (web, GitHub
 * intake, extensions) goes through insert or update, and lists then send stored HTML instead of
 * rendering 50 descriptions per page (which was most of the review queue's time).
 */
function rendered(patch: { description_md?: string }): { description_html?: string } {
  return patch.description_md === undefined ? {} : { description_html: renderMarkdown(patch.description_md) };
}

export type RequestRow = NonNullable<Awaited<ReturnType<RequestsRepository['findById']>>>;
