import { type ExpressionBuilder, sql } from 'kysely';
import type { Executor } from '../db/database.ts';
import type { Database } from '../db/schema.ts';
import type { RepositoryRef } from '../projects/repository-url.ts';

export class IntakeRepository {
  /**
   * Records a delivery unless it was seen before. A concurrent duplicate waits on the primary key
   * until the first transaction ends, then finds it: one delivery, one effect.
   */
  async claimDelivery(db: Executor, delivery: { id: string; programId: string; event: string; action: string | null }): Promise<boolean> {
    const row = await db
      .insertInto('github_deliveries')
      .values({
        delivery_id: delivery.id,
        program_id: delivery.programId,
        event: delivery.event,
        action: delivery.action,
        outcome: 'received',
      })
      .onConflict((oc) => oc.column('delivery_id').doNothing())
      .returning('delivery_id')
      .executeTakeFirst();
    return row !== undefined;
  }

  /**
   * Serializes deliveries about one issue until the transaction ends: an "opened" and a quick
   * "edited" would otherwise both find no request and both insert one.
   */
  async lockIssue(db: Executor, programId: string, issue: number) {
    await sql`select pg_advisory_xact_lock(hashtextextended(${`github-issue:${programId}:${issue}`}, 0))`.execute(db);
  }

  async setDeliveryOutcome(db: Executor, deliveryId: string, outcome: string) {
    await db.updateTable('github_deliveries').set({ outcome }).where('delivery_id', '=', deliveryId).execute();
  }

  /** Programs that take GitHub deliveries, with their sealed secrets: for a body too broken to route. */
  programsWithSecrets(db: Executor) {
    return db.selectFrom('programs').selectAll().where('github_secret_encrypted', 'is not', null).execute();
  }

  userByGithubLogin(db: Executor, login: string) {
    return db.selectFrom('users').select(['id', 'email', 'github_login']).where('github_login', '=', login).executeTakeFirst();
  }

  /** A project the user belongs to whose repository is one of `refs` (owner and name compared case-insensitively). */
  memberProjectMatching(db: Executor, userId: string, refs: RepositoryRef[]) {
    if (refs.length === 0) return Promise.resolve(undefined);
    return db
      .selectFrom('projects')
      .innerJoin('project_members', 'project_members.project_id', 'projects.id')
      .select(['projects.id', 'projects.slug', 'projects.name'])
      .where('project_members.user_id', '=', userId)
      .where((eb) => eb.or(refs.map((ref) => sameRepository(eb, ref))))
      .orderBy('projects.created_at')
      .executeTakeFirst();
  }

  projectByRepository(db: Executor, ref: RepositoryRef) {
    return db
      .selectFrom('projects')
      .select(['id', 'slug', 'name'])
      .where((eb) => sameRepository(eb, ref))
      .orderBy('created_at')
      .executeTakeFirst();
  }

  slugTaken(db: Executor, slug: string): Promise<boolean> {
    return db
      .selectFrom('projects')
      .select('id')
      .where('slug', '=', slug)
      .executeTakeFirst()
      .then((row) => row !== undefined);
  }

  insertClaim(db: Executor, claim: { githubLogin: string; requestId: string; repositoryUrl: string | null }) {
    return db
      .insertInto('project_claims')
      .values({ github_login: claim.githubLogin, request_id: claim.requestId, repository_url: claim.repositoryUrl })
      .onConflict((oc) => oc.column('request_id').doNothing())
      .returning('id')
      .executeTakeFirst();
  }

  openClaimOf(db: Executor, requestId: string) {
    return db
      .selectFrom('project_claims')
      .selectAll()
      .where('request_id', '=', requestId)
      .where('claimed_at', 'is', null)
      .executeTakeFirst();
  }

  async setClaimRepository(db: Executor, claimId: string, repositoryUrl: string | null) {
    await db.updateTable('project_claims').set({ repository_url: repositoryUrl }).where('id', '=', claimId).execute();
  }

  async closeClaim(db: Executor, claimId: string, userId: string) {
    await db.updateTable('project_claims').set({ claimed_by: userId, claimed_at: sql`now()` }).where('id', '=', claimId).execute();
  }

  lockClaim(db: Executor, id: string) {
    return db.selectFrom('project_claims').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
  }

  /** Open claims for a GitHub login, with what the request said. */
  openClaimsFor(db: Executor, githubLogin: string) {
    return db
      .selectFrom('project_claims')
      .innerJoin('requests', 'requests.id', 'project_claims.request_id')
      .innerJoin('programs', 'programs.id', 'requests.program_id')
      .select([
        'project_claims.id',
        'project_claims.github_login',
        'project_claims.repository_url',
        'project_claims.created_at',
        'requests.id as request_id',
        'requests.number as request_number',
        'requests.title as request_title',
        'requests.state as request_state',
        'requests.github_issue',
        'programs.slug as program_slug',
        'programs.name as program_name',
        'programs.github_repository',
      ])
      .where('project_claims.github_login', '=', githubLogin)
      .where('project_claims.claimed_at', 'is', null)
      .orderBy('project_claims.created_at')
      .execute();
  }

  async linkRequest(db: Executor, requestId: string, projectId: string, userId: string) {
    await db
      .updateTable('requests')
      .set({ project_id: projectId, created_by: sql`coalesce(created_by, ${userId}::uuid)`, updated_at: sql`now()` })
      .where('id', '=', requestId)
      .execute();
  }

  githubCommentExists(db: Executor, requestId: string, commentId: number) {
    return db
      .selectFrom('request_comments')
      .select('id')
      .where('request_id', '=', requestId)
      .where('github_comment_id', '=', String(commentId))
      .executeTakeFirst()
      .then((row) => row !== undefined);
  }

  insertComment(
    db: Executor,
    comment: {
      requestId: string;
      authorUserId: string | null;
      authorLabel: string;
      bodyMd: string;
      bodyHtml: string;
      githubCommentId: number;
    },
  ) {
    return db
      .insertInto('request_comments')
      .values({
        request_id: comment.requestId,
        author_user_id: comment.authorUserId,
        author_label: comment.authorLabel,
        body_md: comment.bodyMd,
        body_html: comment.bodyHtml,
        github_comment_id: String(comment.githubCommentId),
      })
      .returning('id')
      .executeTakeFirstOrThrow();
  }

  updateComment(db: Executor, requestId: string, githubCommentId: number, body: { bodyMd: string; bodyHtml: string }) {
    return db
      .updateTable('request_comments')
      .set({ body_md: body.bodyMd, body_html: body.bodyHtml })
      .where('request_id', '=', requestId)
      .where('github_comment_id', '=', String(githubCommentId))
      .returning('id')
      .executeTakeFirst();
  }

  deleteComment(db: Executor, requestId: string, githubCommentId: number) {
    return db
      .deleteFrom('request_comments')
      .where('request_id', '=', requestId)
      .where('github_comment_id', '=', String(githubCommentId))
      .returning('id')
      .executeTakeFirst();
  }

  /** What a reply needs: the request, where its issue lives, and the program's terms. */
  replyContext(db: Executor, requestId: string) {
    return db
      .selectFrom('requests')
      .innerJoin('programs', 'programs.id', 'requests.program_id')
      .select([
        'requests.id',
        'requests.number',
        'requests.state',
        'requests.source',
        'requests.github_issue',
        'requests.github_author',
        'requests.github_body',
        'requests.title',
        'requests.missing',
        'requests.monthly_estimate_cents',
        'requests.decision_reason',
        'requests.project_id',
        'programs.github_repository',
        'programs.currency',
        'programs.policy',
      ])
      .where('requests.id', '=', requestId)
      .executeTakeFirst();
  }

  latestEventNote(db: Executor, requestId: string, toState: string) {
    return db
      .selectFrom('request_events')
      .select(['note', 'actor_label'])
      .where('request_id', '=', requestId)
      .where('to_state', '=', toState)
      .orderBy('id', 'desc')
      .executeTakeFirst();
  }

  unmatchedLines(db: Executor, requestId: string): Promise<string[]> {
    return db
      .selectFrom('request_resources')
      .select('unmatched')
      .where('request_id', '=', requestId)
      .where('unmatched', 'is not', null)
      .orderBy('position')
      .execute()
      .then((rows) => rows.map((row) => row.unmatched as string));
  }

  /** Enqueues the GitHub reply job; a later reply for the same request replaces one not yet started. */
  async enqueueReply(db: Executor, payload: { request_id: string; state: string; key: string; enqueued_at: string; is_quiet: boolean }) {
    const jobKey = `github_reply:${payload.request_id}`;
    // One queue per request keeps its replies in order; the job key keeps only the newest one waiting.
    await sql`select graphile_worker.add_job('github_reply', ${JSON.stringify(payload)}::json, queue_name => ${jobKey}, job_key => ${jobKey}, max_attempts => 10)`.execute(
      db,
    );
  }
}

function sameRepository(eb: ExpressionBuilder<Database, 'projects'>, ref: RepositoryRef) {
  return eb.and([
    eb('projects.repository_host', '=', ref.host.toLowerCase()),
    eb(sql<string>`lower(projects.repository_owner)`, '=', ref.owner.toLowerCase()),
    eb(sql<string>`lower(projects.repository_name)`, '=', ref.name.toLowerCase()),
  ]);
}
