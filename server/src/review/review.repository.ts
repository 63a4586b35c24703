import { CompiledQuery, sql } from 'kysely';
import { type Executor, preparedQuery } from '../db/database.ts';
import type { RequestState } from '../db/schema.ts';

const GOOD_STANDING_DAYS = 180;

export type QueueSort = 'oldest' | 'newest' | 'cost_desc' | 'cost_asc';

/** What to list: the program and project each by id or by slug (the caller tells which). */
export type QueueFilter = {
  states: RequestState[];
  programId?: string;
  programSlug?: string;
  projectId?: string;
  projectSlug?: string;
  purpose?: string;
  source?: 'web' | 'github';
  submittedBefore?: Date;
  minCostCents?: number;
  maxCostCents?: number;
  sort: QueueSort;
  /** The last row of the previous page: its sort value (an ISO time or a cent amount) and id. */
  after?: { value: string; id: string };
  limit: number;
};

/** One queue row: the columns the queue shows, with its servers and votes as counted on the row (0090). */
export type QueueRow = {
  id: string;
  number: number;
  title: string;
  program_id: string;
  program_slug: string;
  program_name: string;
  /** The two policy fields the queue needs, as stored (a policy written before a default existed may lack them). */
  approvals_required: number | null;
  review_target_days: number | null;
  project_id: string | null;
  project_slug: string | null;
  project_name: string | null;
  source: 'web' | 'github';
  github_issue: number | null;
  github_author: string | null;
  state: RequestState;
  kind: 'new' | 'extension';
  purpose: string | null;
  monthly_estimate_cents: string;
  created_at: Date;
  submitted_at: Date | null;
  decided_at: Date | null;
  server_count: number;
  unmatched_lines: number;
  votes_up: number;
  votes_down: number;
};

/**
 * The queue page's SQL and its values: one statement for the page with its programs and projects
 * (it was nine round trips). The servers and votes are counted on the request row (0090: counting
 * each row's lines and votes in the page's query cost as much as the rest of it). The inner query
 * walks the sort's index (0065) and stops at the limit; only those rows are joined. The text names
 * only the filters given, so that PostgreSQL plans each shape for what it filters on.
 */
function queueStatement(filter: QueueFilter): { text: string; values: unknown[] } {
  const values: unknown[] = [filter.states, filter.limit];
  const param = (value: unknown, type: string) => {
    values.push(value);
    return `$${values.length}::${type}`;
  };
  const isCost = filter.sort.startsWith('cost');
  const isDescending = filter.sort === 'newest' || filter.sort === 'cost_desc';
  const key = isCost ? 'r.monthly_estimate_cents' : 'coalesce(r.submitted_at, r.created_at)';
  const conditions = ['r.state = any($1::text[])'];
  if (filter.programId !== undefined) conditions.push(`r.program_id = ${param(filter.programId, 'uuid')}`);
  if (filter.programSlug !== undefined)
    conditions.push(`r.program_id = (select id from programs where slug = ${param(filter.programSlug, 'text')})`);
  if (filter.projectId !== undefined) conditions.push(`r.project_id = ${param(filter.projectId, 'uuid')}`);
  if (filter.projectSlug !== undefined)
    conditions.push(`r.project_id = (select id from projects where slug = ${param(filter.projectSlug, 'text')})`);
  if (filter.purpose !== undefined) conditions.push(`r.purpose = ${param(filter.purpose, 'text')}`);
  if (filter.source !== undefined) conditions.push(`r.source = ${param(filter.source, 'text')}`);
  if (filter.submittedBefore !== undefined) conditions.push(`r.submitted_at <= ${param(filter.submittedBefore, 'timestamptz')}`);
  if (filter.minCostCents !== undefined) conditions.push(`r.monthly_estimate_cents >= ${param(filter.minCostCents, 'bigint')}`);
  if (filter.maxCostCents !== undefined) conditions.push(`r.monthly_estimate_cents <= ${param(filter.maxCostCents, 'bigint')}`);
  if (filter.after) {
    // The cursor carries milliseconds, the rows microseconds: compare with the cursor row's own value,
    // the cursor's when that row has gone (as RequestsRepository.list does).
    const value = param(filter.after.value, isCost ? 'bigint' : 'timestamptz');
    const id = param(filter.after.id, 'uuid');
    const exact = isCost ? value : `coalesce((select coalesce(c.submitted_at, c.created_at) from requests c where c.id = ${id}), ${value})`;
    conditions.push(`(${key}, r.id) ${isDescending ? '<' : '>'} (${exact}, ${id})`);
  }
  const direction = isDescending ? 'desc' : 'asc';
  const text = `select r.id, r.number, r.title, r.program_id, p.slug as program_slug, p.name as program_name,
      (p.policy->>'approvals_required')::int as approvals_required, (p.policy->>'review_target_days')::int as review_target_days,
      r.project_id, pr.slug as project_slug, pr.name as project_name, r.source, r.github_issue, r.github_author::text as github_author,
      r.state, r.kind, r.purpose, r.monthly_estimate_cents, r.created_at, r.submitted_at, r.decided_at,
      r.server_count, r.unmatched_lines, r.votes_up, r.votes_down
    from (
      select r.id, r.number, r.title, r.program_id, r.project_id, r.source, r.github_issue, r.github_author, r.state, r.kind,
        r.purpose, r.monthly_estimate_cents, r.created_at, r.submitted_at, r.decided_at, r.server_count, r.unmatched_lines,
        r.votes_up, r.votes_down, ${key} as sort_key
      from requests r
      where ${conditions.join(' and ')}
      order by ${key} ${direction}, r.id ${direction}
      limit $2
    ) r
    join programs p on p.id = r.program_id
    left join projects pr on pr.id = r.project_id
    order by r.sort_key ${direction}, r.id ${direction}`;
  return { text, values };
}

/**
 * The shapes reviewers ask for most (every sort, with and without a cursor, over all programs or
 * one) are prepared statements: PostgreSQL plans them once per connection (planning took a third of
 * the query's time). Their generic plans still walk the sort's index; a shape with more filters is
 * planned per call for its values instead, as a generic plan cannot tell how selective they are
 * (it sorted all 6,000 waiting requests where the index needed 51).
 */
for (const sort of ['oldest', 'newest', 'cost_desc', 'cost_asc'] as const) {
  for (const after of [undefined, { value: '', id: '' }]) {
    for (const program of [{}, { programId: '' }, { programSlug: '' }]) {
      const { text } = queueStatement({ states: [], sort, after, limit: 0, ...program });
      const name = `review_queue_${sort}${after ? '_after' : ''}${'programId' in program ? '_program' : ''}${'programSlug' in program ? '_program_slug' : ''}`;
      preparedQuery(name, text);
    }
  }
}

export class ReviewRepository {
  insertComment(
    db: Executor,
    comment: { requestId: string; authorUserId: string; authorLabel: string; bodyMd: string; bodyHtml: string; isStaffOnly: boolean },
  ) {
    return db
      .insertInto('request_comments')
      .values({
        request_id: comment.requestId,
        author_user_id: comment.authorUserId,
        author_label: comment.authorLabel,
        body_md: comment.bodyMd,
        body_html: comment.bodyHtml,
        is_staff_only: comment.isStaffOnly,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
  }

  comments(db: Executor, requestId: string, options: { isStaffOnlyIncluded: boolean }) {
    let query = db.selectFrom('request_comments').selectAll().where('request_id', '=', requestId);
    if (!options.isStaffOnlyIncluded) query = query.where('is_staff_only', '=', false);
    return query.orderBy('created_at').orderBy('id').execute();
  }

  /** One vote per reviewer and request: voting again replaces the earlier vote. */
  async upsertVote(
    db: Executor,
    vote: { requestId: string; userId: string; vote: 1 | -1; scores: Record<string, number>; note: string | null },
  ) {
    await db
      .insertInto('request_votes')
      .values({
        request_id: vote.requestId,
        user_id: vote.userId,
        vote: vote.vote,
        scores: JSON.stringify(vote.scores),
        note: vote.note,
      })
      .onConflict((oc) =>
        oc.columns(['request_id', 'user_id']).doUpdateSet({
          vote: vote.vote,
          scores: JSON.stringify(vote.scores),
          note: vote.note,
          updated_at: sql`now()`,
        }),
      )
      .execute();
  }

  votes(db: Executor, requestId: string) {
    return db
      .selectFrom('request_votes')
      .innerJoin('users', 'users.id', 'request_votes.user_id')
      .select([
        'request_votes.vote',
        'request_votes.scores',
        'request_votes.note',
        'request_votes.created_at',
        'request_votes.updated_at',
        'users.id as user_id',
        'users.name',
        'users.email',
      ])
      .where('request_votes.request_id', '=', requestId)
      .orderBy('request_votes.created_at')
      .execute();
  }

  /** A page of the queue, `limit` rows at most (callers ask for one more to know whether more follow). */
  async queuePage(db: Executor, filter: QueueFilter): Promise<QueueRow[]> {
    const { text, values } = queueStatement(filter);
    return (await db.executeQuery<QueueRow>(CompiledQuery.raw(text, values))).rows;
  }

  /** +1 and −1 counts per request, for a page of the queue in one query. */
  async tallies(db: Executor, requestIds: string[]): Promise<Map<string, { up: number; down: number }>> {
    const tallies = new Map<string, { up: number; down: number }>();
    if (requestIds.length === 0) return tallies;
    const rows = await db
      .selectFrom('request_votes')
      .select((eb) => [
        'request_id',
        eb.fn.count<string>('user_id').filterWhere('vote', '=', 1).as('up'),
        eb.fn.count<string>('user_id').filterWhere('vote', '=', -1).as('down'),
      ])
      .where('request_id', 'in', requestIds)
      .groupBy('request_id')
      .execute();
    for (const row of rows) tallies.set(row.request_id, { up: Number(row.up), down: Number(row.down) });
    return tallies;
  }

  /**
   * Good standing for auto-approval: no grant of the project was ever revoked (revocation is for
   * abuse) and none of its requests was declined in the last 180 days.
   */
  async standing(db: Executor, projectId: string) {
    const revoked = await db
      .selectFrom('grants')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('project_id', '=', projectId)
      .where('state', '=', 'revoked')
      .executeTakeFirstOrThrow();
    const declined = await db
      .selectFrom('requests')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('project_id', '=', projectId)
      .where('state', '=', 'declined')
      .where('decided_at', '>', sql<Date>`now() - make_interval(days => ${GOOD_STANDING_DAYS})`)
      .executeTakeFirstOrThrow();
    return { revokedGrants: Number(revoked.n), recentDeclines: Number(declined.n), days: GOOD_STANDING_DAYS };
  }

  pastRequests(db: Executor, projectId: string, exceptId: string) {
    return db
      .selectFrom('requests')
      .select(['id', 'number', 'state', 'kind', 'decided_at'])
      .where('project_id', '=', projectId)
      .where('id', '!=', exceptId)
      .orderBy('created_at', 'desc')
      .limit(50)
      .execute();
  }

  /**
   * Requests waiting on staff (submitted or in review) longer than their program's review-time
   * target, that staff were not told about yet.
   */
  async overdue(db: Executor) {
    // review_target_days is always stored (the policy schema fills defaults); 5 covers hand-edited rows.
    const result = await sql<{ id: string; program_id: string }>`
      select r.id, r.program_id
      from requests r join programs p on p.id = r.program_id
      where r.state in ('submitted', 'in_review')
        and r.submitted_at + make_interval(days => coalesce((p.policy->>'review_target_days')::int, 5)) < now()
        and not exists (select 1 from review_overdue_notices n where n.request_id = r.id)
      order by r.submitted_at`.execute(db);
    return result.rows;
  }

  /** True the first time only: the marker that makes the overdue notice a once-per-request thing. */
  async markOverdue(db: Executor, requestId: string): Promise<boolean> {
    const result =
      await sql`insert into review_overdue_notices (request_id) values (${requestId}::uuid) on conflict do nothing returning request_id`.execute(
        db,
      );
    return result.rows.length > 0;
  }
}
