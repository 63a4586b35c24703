import { sql } from 'kysely';
import type { Executor } from '../db/database.ts';
import type { InvitationRow, InvitationState, ProjectRole, ProjectRow } from '../db/schema.ts';

export type ProjectListRow = ProjectRow & { my_role: ProjectRole | null; member_count: string; listed_at: Date };
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

export class ProjectsRepository {
  findByKey(db: Executor, key: string): Promise<ProjectRow | undefined> {
    const query = db.selectFrom('projects').selectAll();
    return (UUID.test(key) ? query.where('id', '=', key) : query.where('slug', '=', key)).executeTakeFirst();
  }

  async lockById(db: Executor, id: string): Promise<ProjectRow | undefined> {
    return db.selectFrom('projects').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
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

  list(
    db: Executor,
    options: { userId: string; isAll: boolean; after?: { at: Date; id: string }; q?: string; limit: number },
  ): Promise<ProjectListRow[]> {
    const memberCount = sql<string>`(select count(*) from project_members pm where pm.project_id = projects.id)`.as('member_count');
    const like = `%${(options.q ?? '').replace(/[%_\\]/g, '\\$&')}%`;
    const search = sql<boolean>`(projects.name ilike ${like} or projects.slug ilike ${like} or projects.repository_owner || '/' || projects.repository_name ilike ${like})`;
    if (!options.isAll) {
      // Mine: newest membership first, walked along project_members_mine_idx (no sort of every membership).
      let query = db
        .selectFrom('project_members as me')
        .innerJoin('projects', 'projects.id', 'me.project_id')
        .selectAll('projects')
        .select(['me.role as my_role', 'me.created_at as listed_at'])
        .select(memberCount)
        .where('me.user_id', '=', options.userId);
      if (options.q) query = query.where(search);
      if (options.after) {
        const { at, id } = options.after;
        query = query.where(
          sql<boolean>`(me.created_at, me.project_id) < (
            coalesce((select c.created_at from project_members c where c.user_id = ${options.userId} and c.project_id = ${id}::uuid), ${at}::timestamptz),
            ${id}::uuid)`,
        );
      }
      return query
        .orderBy('me.created_at', 'desc')
        .orderBy('me.project_id', 'desc')
        .limit(options.limit + 1)
        .execute() as Promise<ProjectListRow[]>;
    }
    let query = db
      .selectFrom('projects')
      .leftJoin('project_members as me', (join) => join.onRef('me.project_id', '=', 'projects.id').on('me.user_id', '=', options.userId))
      .selectAll('projects')
      .select(['me.role as my_role', 'projects.created_at as listed_at'])
      .select(memberCount);
    if (options.q) query = query.where(search);
    if (options.after) query = query.where(before(options.after));
    return query
      .orderBy('projects.created_at', 'desc')
      .orderBy('projects.id', 'desc')
      .limit(options.limit + 1)
      .execute() as Promise<ProjectListRow[]>;
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

  countMembers(db: Executor, projectId: string): Promise<number> {
    return db
      .selectFrom('project_members')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('project_id', '=', projectId)
      .executeTakeFirstOrThrow()
      .then((row) => Number(row.n));
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
