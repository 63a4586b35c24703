import { sql } from 'kysely';
import type { Executor } from '../db/database.ts';

const GOOD_STANDING_DAYS = 180;

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
