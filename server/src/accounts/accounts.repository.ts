import { sql } from 'kysely';
import { type Executor, preparedQuery } from '../db/database.ts';
import type { ApiTokenRow, UserRow } from '../db/schema.ts';
import type { Role } from '../http/context.ts';

export type SessionWithUser = { csrf_token: string; expires_at: Date; user: UserRow };

/** What a bearer request needs of its user: who it is and whether it may act. */
export type TokenUser = Pick<UserRow, 'id' | 'email' | 'name' | 'roles' | 'github_login' | 'is_disabled'>;

// Prepared: every API call runs it.
const findTokenUser = preparedQuery<TokenUser & { token_id: string; token_last_used_at: Date | null; token_expires_at: Date | null }>(
  'accounts_token_user',
  `select users.id, users.email, users.name, users.roles, users.github_login, users.is_disabled,
      api_tokens.id as token_id, api_tokens.last_used_at as token_last_used_at, api_tokens.expires_at as token_expires_at
    from api_tokens join users on users.id = api_tokens.user_id
    where api_tokens.token_hash = $1 and api_tokens.revoked_at is null and (api_tokens.expires_at is null or api_tokens.expires_at > now())`,
);

export class AccountsRepository {
  findUserById(db: Executor, id: string): Promise<UserRow | undefined> {
    return db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
  }

  findUserByEmail(db: Executor, email: string): Promise<UserRow | undefined> {
    return db.selectFrom('users').selectAll().where('email', '=', email).executeTakeFirst();
  }

  findUserByGithubLogin(db: Executor, login: string): Promise<UserRow | undefined> {
    return db.selectFrom('users').selectAll().where('github_login', '=', login).executeTakeFirst();
  }

  countUsers(db: Executor): Promise<number> {
    return db
      .selectFrom('users')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .executeTakeFirstOrThrow()
      .then((row) => Number(row.n));
  }

  insertUser(
    db: Executor,
    user: {
      email: string;
      name: string;
      passwordHash: string | null;
      roles?: Role[];
      githubLogin?: string | null;
      isEmailVerified?: boolean;
    },
  ): Promise<UserRow> {
    return db
      .insertInto('users')
      .values({
        email: user.email,
        name: user.name,
        password_hash: user.passwordHash,
        roles: user.roles ?? [],
        github_login: user.githubLogin ?? null,
        email_verified_at: user.isEmailVerified ? sql<Date>`now()` : null,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
  }

  async updateUser(
    db: Executor,
    id: string,
    patch: Partial<{ name: string; password_hash: string | null; roles: Role[]; github_login: string | null; is_disabled: boolean }>,
  ): Promise<UserRow> {
    return db
      .updateTable('users')
      .set({ ...patch, updated_at: sql`now()` })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow();
  }

  /**
   * Marks the user's address proven, only while it is still `email` (the address that was proven)
   * and not yet marked; returns the row when this call marked it.
   */
  markEmailVerified(db: Executor, userId: string, email: string): Promise<UserRow | undefined> {
    return db
      .updateTable('users')
      .set({ email_verified_at: sql`now()`, updated_at: sql`now()` })
      .where('id', '=', userId)
      .where('email', '=', email)
      .where('email_verified_at', 'is', null)
      .returningAll()
      .executeTakeFirst();
  }

  async insertEmailVerification(db: Executor, link: { tokenHash: Buffer; userId: string; email: string; expiresAt: Date }) {
    await db
      .insertInto('email_verifications')
      .values({ token_hash: link.tokenHash, user_id: link.userId, email: link.email, expires_at: link.expiresAt })
      .execute();
  }

  findEmailVerification(db: Executor, tokenHash: Buffer) {
    return db.selectFrom('email_verifications').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
  }

  /** Once the address is proven its other links have nothing left to prove. */
  async deleteEmailVerifications(db: Executor, userId: string) {
    await db.deleteFrom('email_verifications').where('user_id', '=', userId).execute();
  }

  /** Called before each new link, so a user's rows stay as few as the links still usable. */
  async deleteExpiredEmailVerifications(db: Executor, userId: string) {
    await db.deleteFrom('email_verifications').where('user_id', '=', userId).where('expires_at', '<=', sql<Date>`now()`).execute();
  }

  listUsers(db: Executor, options: { after?: { at: Date; id: string }; limit: number; query?: string; role?: Role }) {
    let query = db.selectFrom('users').selectAll();
    if (options.query) {
      const like = `%${options.query.replace(/[%_\\]/g, '\\$&')}%`;
      query = query.where((eb) => eb.or([eb('email', 'ilike', like), eb('name', 'ilike', like)]));
    }
    if (options.role) query = query.where(sql<boolean>`${options.role} = any(roles)`);
    if (options.after) {
      // The exact created_at comes from the cursor's row: the cursor's Date has lost its microseconds.
      const { at, id } = options.after;
      query = query.where(
        sql<boolean>`(users.created_at, users.id) > (
          coalesce((select u.created_at from users u where u.id = ${id}::uuid), ${at}::timestamptz),
          ${id}::uuid
        )`,
      );
    }
    return query
      .orderBy('created_at')
      .orderBy('id')
      .limit(options.limit + 1)
      .execute();
  }

  async insertSession(db: Executor, session: { idHash: Buffer; userId: string; csrfToken: string; expiresAt: Date }) {
    await db
      .insertInto('sessions')
      .values({ id_hash: session.idHash, user_id: session.userId, csrf_token: session.csrfToken, expires_at: session.expiresAt })
      .execute();
  }

  async findSession(db: Executor, idHash: Buffer): Promise<SessionWithUser | undefined> {
    const row = await db
      .selectFrom('sessions')
      .innerJoin('users', 'users.id', 'sessions.user_id')
      .selectAll('users')
      .select(['sessions.csrf_token', 'sessions.expires_at as session_expires_at'])
      .where('sessions.id_hash', '=', idHash)
      .where('sessions.expires_at', '>', sql<Date>`now()`)
      .executeTakeFirst();
    if (!row) return undefined;
    const { csrf_token, session_expires_at, ...user } = row;
    return { csrf_token, expires_at: session_expires_at, user };
  }

  async touchSession(db: Executor, idHash: Buffer, expiresAt: Date) {
    await db.updateTable('sessions').set({ last_seen_at: sql`now()`, expires_at: expiresAt }).where('id_hash', '=', idHash).execute();
  }

  async deleteSession(db: Executor, idHash: Buffer) {
    await db.deleteFrom('sessions').where('id_hash', '=', idHash).execute();
  }

  async deleteSessionsOfUser(db: Executor, userId: string, exceptHash?: Buffer) {
    let query = db.deleteFrom('sessions').where('user_id', '=', userId);
    if (exceptHash) query = query.where('id_hash', '!=', exceptHash);
    await query.execute();
  }

  insertToken(db: Executor, token: { userId: string; name: string; hash: Buffer; prefix: string; expiresAt: Date | null }) {
    return db
      .insertInto('api_tokens')
      .values({ user_id: token.userId, name: token.name, token_hash: token.hash, token_prefix: token.prefix, expires_at: token.expiresAt })
      .returningAll()
      .executeTakeFirstOrThrow();
  }

  /** The token and its user in one round trip: every API call authenticates through it. */
  async findTokenUser(
    db: Executor,
    hash: Buffer,
  ): Promise<{ token: Pick<ApiTokenRow, 'id' | 'last_used_at' | 'expires_at'>; user: TokenUser } | undefined> {
    const [row] = await findTokenUser(db, [hash]);
    if (!row) return undefined;
    const { token_id, token_last_used_at, token_expires_at, ...user } = row;
    return { token: { id: token_id, last_used_at: token_last_used_at, expires_at: token_expires_at }, user };
  }

  async touchToken(db: Executor, id: string) {
    // Only write when the recorded time is over a minute old: a busy token must not turn every read into a write.
    await db
      .updateTable('api_tokens')
      .set({ last_used_at: sql`now()` })
      .where('id', '=', id)
      .where((eb) => eb.or([eb('last_used_at', 'is', null), eb('last_used_at', '<', sql<Date>`now() - interval '1 minute'`)]))
      .execute();
  }

  listTokens(db: Executor, userId: string) {
    return db.selectFrom('api_tokens').selectAll().where('user_id', '=', userId).orderBy('created_at', 'desc').execute();
  }

  revokeToken(db: Executor, userId: string, id: string) {
    return db
      .updateTable('api_tokens')
      .set({ revoked_at: sql`now()` })
      .where('id', '=', id)
      .where('user_id', '=', userId)
      .where('revoked_at', 'is', null)
      .returningAll()
      .executeTakeFirst();
  }

  async revokeTokensOfUser(db: Executor, userId: string) {
    await db
      .updateTable('api_tokens')
      .set({ revoked_at: sql`now()` })
      .where('user_id', '=', userId)
      .where('revoked_at', 'is', null)
      .execute();
  }

  findToken(db: Executor, userId: string, id: string) {
    return db.selectFrom('api_tokens').selectAll().where('id', '=', id).where('user_id', '=', userId).executeTakeFirst();
  }

  findIdentity(db: Executor, provider: 'oidc' | 'github', subject: string) {
    return db.selectFrom('identities').selectAll().where('provider', '=', provider).where('subject', '=', subject).executeTakeFirst();
  }

  listIdentities(db: Executor, userId: string) {
    return db.selectFrom('identities').selectAll().where('user_id', '=', userId).orderBy('created_at').execute();
  }

  async deleteIdentitiesOfUser(db: Executor, userId: string) {
    await db.deleteFrom('identities').where('user_id', '=', userId).execute();
  }

  async upsertIdentity(
    db: Executor,
    identity: { provider: 'oidc' | 'github'; subject: string; userId: string; login: string | null; email: string | null },
  ) {
    await db
      .insertInto('identities')
      .values({
        provider: identity.provider,
        subject: identity.subject,
        user_id: identity.userId,
        login: identity.login,
        email: identity.email,
      })
      .onConflict((oc) =>
        oc.columns(['provider', 'subject']).doUpdateSet({ login: identity.login, email: identity.email, last_login_at: sql`now()` }),
      )
      .execute();
  }

  async getSetting<T>(db: Executor, key: string, fallback: T): Promise<T> {
    const row = await db.selectFrom('settings').select('value').where('key', '=', key).executeTakeFirst();
    return row ? (row.value as T) : fallback;
  }

  async setSetting(db: Executor, key: string, value: unknown) {
    await db
      .insertInto('settings')
      .values({ key, value: JSON.stringify(value) })
      .onConflict((oc) => oc.column('key').doUpdateSet({ value: JSON.stringify(value), updated_at: sql`now()` }))
      .execute();
  }
}
