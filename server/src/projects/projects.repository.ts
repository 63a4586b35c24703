import { sql } from 'kysely';
import { type Executor, preparedQuery } from '../db/database.ts';
import type { InvitationRow, InvitationState, ProjectRole, ProjectRow } from '../db/schema.ts';

/**
 * One project of a page: which version of its kept JSON (migration 0062) to write, the caller's role
 * and the member count to go into it, and its cursor's key (listed_at as PostgreSQL writes a
 * timestamptz: only the last row's is ever parsed). The JSON itself comes from the process's cache
 * or, for the rows it does not hold at that version, from ProjectsRepository.renderedJson.
 */
export type ProjectPageRow = {
  id: string;
  json_version: string;
  my_role: ProjectRole | null;
  member_count: number;
  listed_at: string;
};
/** A project's JSON as kept on its row (migration 0061) in three parts, around the licence list and the reader's fields. */
export type RenderedProjectJson = {
  id: string;
  json_version: string;
  json_head: string;
  license_expression: string;
  json_tail: string;
  json_times: string;
};
export type NewProject = {
  slug: string;
  name: string;
  repository_host: string;
  repository_owner: string;
  repository_name: string;
  license_expression: string;
  is_osi_approved: boolean;
  description_md: string;
  description_html: string;
  website: string | null;
  foundation: string | null;
  is_public: boolean;
  public_fields: string[];
};

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Rows after a keyset cursor, newest first. The cursor's timestamp is a JavaScript Date (milliseconds)
 * while created_at holds microseconds, so comparing against it would skip or repeat rows created
 * within one millisecond (a bulk import: all of them). The exact timestamp is read back from the
 * cursor's row; the cursor's own is the fallback when that row has gone since.
 */
function before(after: { at: Date; id: string }) {
  return sql<boolean>`(projects.created_at, projects.id) < (
    coalesce((select c.created_at from projects c where c.id = ${after.id}::uuid), ${after.at}::timestamptz),
    ${after.id}::uuid
  )`;
}

/**
 * The page's SQL, one fixed text per combination of scope, search and cursor, each a prepared
 * statement. Parameters: $1 the caller, $2 the limit, then the search pattern, then the cursor's
 * time and id.
 */
function pageQuery(isAll: boolean, hasQ: boolean, hasCursor: boolean): string {
  const search =
    "(projects.name ilike $3 or projects.slug ilike $3 or projects.repository_owner || '/' || projects.repository_name ilike $3)";
  const [at, id] = hasQ ? ['$4', '$5'] : ['$3', '$4'];
  const listedAt = isAll ? 'projects.created_at' : 'me.created_at';
  // The cursor carries milliseconds, the rows microseconds: compare with the cursor row's own time (see before()).
  const after = isAll
    ? `(projects.created_at, projects.id) < (coalesce((select c.created_at from projects c where c.id = ${id}::uuid), ${at}::timestamptz), ${id}::uuid)`
    : `(me.created_at, me.project_id) < (coalesce((select c.created_at from project_members c where c.user_id = $1 and c.project_id = ${id}::uuid), ${at}::timestamptz), ${id}::uuid)`;
  const conditions = [isAll ? 'true' : 'me.user_id = $1', ...(hasQ ? [search] : []), ...(hasCursor ? [after] : [])];
  return `select projects.id, projects.json_version::text as json_version, me.role as my_role, projects.member_count,
      ${listedAt}::text as listed_at
    from ${isAll ? 'projects left join project_members as me on me.project_id = projects.id and me.user_id = $1' : 'project_members as me join projects on projects.id = me.project_id'}
    where ${conditions.join(' and ')}
    order by ${isAll ? 'projects.created_at desc, projects.id desc' : 'me.created_at desc, me.project_id desc'}
    limit $2`;
}

const pageQueryName = (isAll: boolean, hasQ: boolean, hasCursor: boolean) =>
  `projects_page_${isAll ? 'all' : 'mine'}${hasQ ? '_q' : ''}${hasCursor ? '_after' : ''}`;
const pageQueries = new Map(
  [false, true].flatMap((isAll) =>
    [false, true].flatMap((hasQ) =>
      [false, true].map((hasCursor) => {
        const name = pageQueryName(isAll, hasQ, hasCursor);
        return [name, preparedQuery<ProjectPageRow>(name, pageQuery(isAll, hasQ, hasCursor))] as const;
      }),
    ),
  ),
);
const renderedJson = preparedQuery<RenderedProjectJson>(
  'projects_rendered_json',
  `select id, json_version::text as json_version, json_head, license_expression, json_tail, json_times
    from projects where id = any($1::uuid[])`,
);

export class ProjectsRepository {
  findByKey(db: Executor, key: string): Promise<ProjectRow | undefined> {
    const query = db.selectFrom('projects').selectAll();
    return (UUID.test(key) ? query.where('id', '=', key) : query.where('slug', '=', key)).executeTakeFirst();
  }

  /**
   * Serializes changes of one project (server creates, membership changes). FOR NO KEY UPDATE, not
   * FOR UPDATE: the foreign-key checks of rows that reference the project (a provision's audit
   * entry) take KEY SHARE, which FOR UPDATE blocks, so a burst of creates held every provision step
   * that audits behind it.
   */
  async lockById(db: Executor, id: string): Promise<ProjectRow | undefined> {
    return db.selectFrom('projects').selectAll().where('id', '=', id).forNoKeyUpdate().executeTakeFirst();
  }

  async roleOf(db: Executor, projectId: string, userId: string): Promise<ProjectRole | null> {
    const row = await db
      .selectFrom('project_members')
      .select('role')
      .where('project_id', '=', projectId)
      .where('user_id', '=', userId)
      .executeTakeFirst();
    return row?.role ?? null;
  }

  /** The project and the caller's role in one round trip: the policy check runs it on every project route. */
  async findWithRole(db: Executor, key: string, userId: string | null) {
    const query = db
      .selectFrom('projects')
      .leftJoin('project_members as me', (join) =>
        join.onRef('me.project_id', '=', 'projects.id').on('me.user_id', '=', userId ?? '00000000-0000-0000-0000-000000000000'),
      )
      .selectAll('projects')
      .select('me.role as my_role');
    const row = await (UUID.test(key) ? query.where('projects.id', '=', key) : query.where('projects.slug', '=', key)).executeTakeFirst();
    if (!row) return undefined;
    const { my_role, ...project } = row;
    return { project: project as ProjectRow, role: (my_role ?? null) as ProjectRole | null };
  }

  /** Undefined when the slug is taken, also by a concurrent insert that committed first. */
  insert(db: Executor, project: NewProject): Promise<ProjectRow | undefined> {
    return db
      .insertInto('projects')
      .values(project)
      .onConflict((oc) => oc.column('slug').doNothing())
      .returningAll()
      .executeTakeFirst();
  }

  update(db: Executor, id: string, patch: Partial<NewProject>): Promise<ProjectRow> {
    return db
      .updateTable('projects')
      .set({ ...patch, updated_at: sql`now()` })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow();
  }

  async delete(db: Executor, id: string) {
    await db.deleteFrom('projects').where('id', '=', id).execute();
  }

  /**
   * A page of projects: per row its id, its JSON's version, the caller's role and the member count;
   * the JSON kept on the row (migration 0061) is read only for projects the process does not hold
   * (renderedJson). Pages are the hottest read: 44 KB of JSON per page cost PostgreSQL and the
   * driver more than the rest of the request. Newest first: for mine, newest membership first along
   * project_members_mine_idx (no sort of every membership); for all, newest project first.
   */
  listPage(
    db: Executor,
    options: { userId: string; isAll: boolean; after?: { at: Date; id: string }; q?: string; limit: number },
  ): Promise<ProjectPageRow[]> {
    const values: unknown[] = [options.userId, options.limit + 1];
    if (options.q) values.push(`%${options.q.replace(/[%_\\]/g, '\\$&')}%`);
    if (options.after) values.push(options.after.at, options.after.id);
    const run = pageQueries.get(pageQueryName(options.isAll, Boolean(options.q), Boolean(options.after)));
    if (!run) throw new Error('every combination of page options has its query');
    return run(db, values);
  }

  /** The kept JSON of these projects, at the version each row has now; projects gone since are left out. */
  renderedJson(db: Executor, ids: string[]): Promise<RenderedProjectJson[]> {
    return renderedJson(db, [ids]);
  }

  listPublic(db: Executor, options: { after?: { at: Date; id: string }; limit: number }) {
    let query = db.selectFrom('projects').selectAll().where('is_public', '=', true);
    if (options.after) query = query.where(before(options.after));
    return query
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(options.limit + 1)
      .execute();
  }

  countOwners(db: Executor, projectId: string): Promise<number> {
    return db
      .selectFrom('project_members')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('project_id', '=', projectId)
      .where('role', '=', 'owner')
      .executeTakeFirstOrThrow()
      .then((row) => Number(row.n));
  }

  listMembers(db: Executor, projectId: string) {
    return db
      .selectFrom('project_members')
      .innerJoin('users', 'users.id', 'project_members.user_id')
      .select(['users.id', 'users.name', 'users.email', 'users.github_login', 'project_members.role', 'project_members.created_at'])
      .where('project_members.project_id', '=', projectId)
      .orderBy('project_members.role', 'desc')
      .orderBy('project_members.created_at')
      .execute();
  }

  async addMember(db: Executor, projectId: string, userId: string, role: ProjectRole) {
    await db.insertInto('project_members').values({ project_id: projectId, user_id: userId, role }).execute();
  }

  async setRole(db: Executor, projectId: string, userId: string, role: ProjectRole) {
    await db.updateTable('project_members').set({ role }).where('project_id', '=', projectId).where('user_id', '=', userId).execute();
  }

  async removeMember(db: Executor, projectId: string, userId: string) {
    await db.deleteFrom('project_members').where('project_id', '=', projectId).where('user_id', '=', userId).execute();
  }

  insertInvitation(
    db: Executor,
    invitation: {
      projectId: string;
      email: string | null;
      githubLogin: string | null;
      role: ProjectRole;
      tokenHash: Buffer;
      invitedBy: string;
      expiresAt: Date;
    },
  ): Promise<InvitationRow> {
    return db
      .insertInto('invitations')
      .values({
        project_id: invitation.projectId,
        email: invitation.email,
        github_login: invitation.githubLogin,
        role: invitation.role,
        token_hash: invitation.tokenHash,
        invited_by: invitation.invitedBy,
        expires_at: invitation.expiresAt,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
  }

  /** Revokes the open invitation for the same invitee, so a re-invite replaces it. */
  async revokePendingFor(db: Executor, projectId: string, invitee: { email: string | null; githubLogin: string | null }) {
    let query = db
      .updateTable('invitations')
      .set({ state: 'revoked', responded_at: sql`now()` })
      .where('project_id', '=', projectId)
      .where('state', '=', 'pending');
    query = invitee.email ? query.where('email', '=', invitee.email) : query.where('github_login', '=', invitee.githubLogin);
    return query.returning('id').execute();
  }

  invitationsQuery(db: Executor) {
    return db
      .selectFrom('invitations')
      .innerJoin('projects', 'projects.id', 'invitations.project_id')
      .leftJoin('users as inviter', 'inviter.id', 'invitations.invited_by')
      .selectAll('invitations')
      .select(['projects.slug as project_slug', 'projects.name as project_name', 'inviter.name as inviter_name']);
  }

  listProjectInvitations(db: Executor, projectId: string) {
    return this.invitationsQuery(db)
      .where('invitations.project_id', '=', projectId)
      .orderBy('invitations.created_at', 'desc')
      .limit(200)
      .execute();
  }

  listInvitationsFor(db: Executor, invitee: { email: string; githubLogin: string | null }) {
    return (
      this.invitationsQuery(db)
        .where('invitations.state', '=', 'pending')
        // Past its date an invitation is closed, even before the sweep has marked it.
        .where('invitations.expires_at', '>', sql<Date>`now()`)
        .where((eb) =>
          eb.or([
            eb('invitations.email', '=', invitee.email),
            ...(invitee.githubLogin ? [eb('invitations.github_login', '=', invitee.githubLogin)] : []),
          ]),
        )
        .orderBy('invitations.created_at', 'desc')
        .execute()
    );
  }

  findInvitation(db: Executor, id: string) {
    return this.invitationsQuery(db).where('invitations.id', '=', id).executeTakeFirst();
  }

  findInvitationByToken(db: Executor, tokenHash: Buffer) {
    return this.invitationsQuery(db).where('invitations.token_hash', '=', tokenHash).executeTakeFirst();
  }

  async setInvitationState(db: Executor, id: string, state: InvitationState) {
    await db.updateTable('invitations').set({ state, responded_at: sql`now()` }).where('id', '=', id).execute();
  }

  expireInvitations(db: Executor) {
    return db
      .updateTable('invitations')
      .set({ state: 'expired' })
      .where('state', '=', 'pending')
      .where('expires_at', '<=', sql<Date>`now()`)
      .returning(['id', 'project_id'])
      .execute();
  }
}

export type InvitationWithProject = NonNullable<Awaited<ReturnType<ProjectsRepository['findInvitation']>>>;
