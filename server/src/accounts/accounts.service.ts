import { randomBytes } from 'node:crypto';
import type { AuditService } from '../audit/audit.service.ts';
import type { Db, Executor } from '../db/database.ts';
import type { ApiTokenRow, UserRow } from '../db/schema.ts';
import type { Actor, Ctx, Role } from '../http/context.ts';
import { AppError, fail, notFound } from '../http/errors.ts';
import { decodeKeyset, toPage } from '../http/pagination.ts';
import type { AccountsRepository } from './accounts.repository.ts';
import type { ApiToken, User } from './accounts.schemas.ts';
import { hashPassword, verifyPassword } from './passwords.ts';
import { addressKey, RateLimiter } from './rate-limiter.ts';
import { TokenCache } from './token-cache.ts';
import { API_TOKEN_PREFIX, digest, newSecret, SESSION_PREFIX } from './tokens.ts';
import type { EmailVerificationService } from './verification.service.ts';

const SESSION_TTL_MS = 14 * 24 * 3600 * 1000;
const SESSION_REFRESH_MS = 3600 * 1000;
// How stale an API token's last-used time may get; the repository's touchToken uses the same minute.
const TOKEN_TOUCH_MS = 60 * 1000;

export type Authenticated = { actor: Actor; csrfToken: string | null; sessionHash: Buffer | null };
export type SsoProfile = {
  provider: 'oidc' | 'github';
  subject: string;
  email: string | null;
  isEmailVerified: boolean;
  name: string | null;
  login: string | null;
};

export class AccountsService {
  private readonly db: Db;
  private readonly accounts: AccountsRepository;
  private readonly audit: AuditService;
  private readonly verification: EmailVerificationService;
  /** Bearer tokens already looked up, kept honest by PostgreSQL's notifications (decision 0007). */
  readonly tokens: TokenCache;
  // Per account: a few guesses. Per address: enough for a shared office NAT, not for a spray.
  private readonly perAccount = new RateLimiter(10, 15 * 60 * 1000);
  private readonly perAddress = new RateLimiter(60, 15 * 60 * 1000);

  constructor(
    db: Db,
    accounts: AccountsRepository,
    audit: AuditService,
    verification: EmailVerificationService,
    tokens = new TokenCache(null),
  ) {
    this.tokens = tokens;
    this.db = db;
    this.accounts = accounts;
    this.audit = audit;
    this.verification = verification;
  }

  async isSignupOpen(): Promise<boolean> {
    return this.accounts.getSetting(this.db, 'signup_open', true);
  }

  async setSignupOpen(ctx: Ctx, isOpen: boolean): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      await this.accounts.setSetting(tx, 'signup_open', isOpen);
      await this.audit.record(tx, ctx, {
        action: 'settings.updated',
        targetType: 'settings',
        targetId: 'signup_open',
        summary: { signup_open: isOpen },
      });
    });
  }

  async signUp(ctx: Ctx, input: { email: string; name: string; password: string }, address: string) {
    this.throttle(input.email, address);
    if (!(await this.isSignupOpen())) fail('ERR_SIGNUP_CLOSED');
    const passwordHash = await hashPassword(input.password);
    return this.db.transaction().execute(async (tx) => {
      if (await this.accounts.findUserByEmail(tx, input.email))
        fail('ERR_EMAIL_TAKEN', undefined, [{ field: 'email', message: 'is already registered' }]);
      const created = await this.accounts.insertUser(tx, { email: input.email, name: input.name, passwordHash });
      await this.audit.record(tx, actorCtx(ctx, created), {
        action: 'user.signed_up',
        targetType: 'user',
        targetId: created.id,
        summary: { email: created.email },
      });
      // Anyone can type any address: it is trusted only once the link sent to it is followed.
      await this.verification.send(tx, created);
      return this.startSession(tx, created);
    });
  }

  async login(ctx: Ctx, email: string, password: string, address: string) {
    this.throttle(email, address);
    const user = await this.accounts.findUserByEmail(this.db, email);
    const isValid = await verifyPassword(user?.password_hash ?? null, password);
    if (!user || !isValid || user.is_disabled) fail('ERR_INVALID_CREDENTIALS');
    this.perAccount.reset(email);
    return this.db.transaction().execute(async (tx) => {
      await this.audit.record(tx, actorCtx(ctx, user), {
        action: 'user.logged_in',
        targetType: 'user',
        targetId: user.id,
        summary: { method: 'password' },
      });
      return this.startSession(tx, user);
    });
  }

  /** Signs in (or links) an SSO identity. `currentUserId` links it to an already signed-in user. */
  async ssoSignIn(ctx: Ctx, profile: SsoProfile, currentUserId: string | null) {
    return this.db.transaction().execute(async (tx) => {
      const identity = await this.accounts.findIdentity(tx, profile.provider, profile.subject);
      let user: UserRow | undefined;
      let action = 'user.logged_in';
      let isLinkedByEmail = false;
      if (identity) {
        // Linking must never quietly switch the browser to whoever owns the identity.
        if (currentUserId && identity.user_id !== currentUserId)
          fail('ERR_CONFLICT', 'This identity is already linked to another account; sign in with it to use that account.');
        user = await this.accounts.findUserById(tx, identity.user_id);
      } else if (currentUserId) {
        user = await this.accounts.findUserById(tx, currentUserId);
        action = 'user.identity_linked';
      } else if (profile.email && profile.isEmailVerified) {
        // A verified address at the provider proves the same person as our account with that address.
        user = await this.accounts.findUserByEmail(tx, profile.email.toLowerCase());
        if (user) action = 'user.identity_linked';
        isLinkedByEmail = user !== undefined;
      }
      if (!user) {
        if (!(await this.accounts.getSetting(tx, 'signup_open', true))) fail('ERR_SIGNUP_CLOSED');
        if (!profile.email) fail('ERR_SSO_FAILED', 'The identity provider did not share an email address.');
        if (await this.accounts.findUserByEmail(tx, profile.email.toLowerCase())) {
          fail(
            'ERR_EMAIL_TAKEN',
            'An account with this email exists; sign in with its password, then link this identity from your profile.',
          );
        }
        user = await this.accounts.insertUser(tx, {
          email: profile.email.toLowerCase(),
          name: profile.name ?? profile.login ?? profile.email,
          passwordHash: null,
          githubLogin: profile.provider === 'github' ? profile.login : null,
          isEmailVerified: profile.isEmailVerified,
        });
        action = 'user.signed_up';
        if (!profile.isEmailVerified) await this.verification.send(tx, user);
      }
      if (user.is_disabled) fail('ERR_INVALID_CREDENTIALS', 'This account is disabled.');
      let hasDroppedCredentials = false;
      if (isLinkedByEmail && !user.email_verified_at) {
        // Whoever signed up with this address never proved it; the provider just did for this person.
        // The account is theirs now: every way in its registrant set up (password, sessions, tokens,
        // other identities) stops working, or someone who registered another person's address first
        // would share a verified account with them.
        user = await this.accounts.updateUser(tx, user.id, { password_hash: null, github_login: null });
        await this.accounts.deleteSessionsOfUser(tx, user.id);
        await this.accounts.revokeTokensOfUser(tx, user.id);
        await this.accounts.deleteIdentitiesOfUser(tx, user.id);
        hasDroppedCredentials = true;
      }
      await this.accounts.upsertIdentity(tx, {
        provider: profile.provider,
        subject: profile.subject,
        userId: user.id,
        login: profile.login,
        email: profile.email,
      });
      if (profile.provider === 'github' && profile.login && user.github_login !== profile.login) {
        const holder = await this.accounts.findUserByGithubLogin(tx, profile.login);
        if (holder && holder.id !== user.id) await this.accounts.updateUser(tx, holder.id, { github_login: null });
        user = await this.accounts.updateUser(tx, user.id, { github_login: profile.login });
      }
      await this.audit.record(tx, actorCtx(ctx, user), {
        action,
        targetType: 'user',
        targetId: user.id,
        summary: {
          method: profile.provider,
          login: profile.login,
          ...(hasDroppedCredentials ? { unproven_credentials_removed: true } : {}),
        },
      });
      if (profile.email && profile.isEmailVerified && profile.email.toLowerCase() === user.email.toLowerCase())
        user = (await this.verification.markVerified(tx, actorCtx(ctx, user), user, 'sso')) ?? user;
      return this.startSession(tx, user);
    });
  }

  async logout(ctx: Ctx, sessionHash: Buffer | null) {
    if (!sessionHash) return;
    await this.db.transaction().execute(async (tx) => {
      await this.accounts.deleteSession(tx, sessionHash);
      if (ctx.actor) await this.audit.record(tx, ctx, { action: 'user.logged_out', targetType: 'user', targetId: ctx.actor.userId });
    });
  }

  async discardSession(sessionHash: Buffer | null) {
    if (sessionHash) await this.accounts.deleteSession(this.db, sessionHash);
  }

  async authenticateSession(secret: string): Promise<Authenticated | undefined> {
    if (!secret.startsWith(SESSION_PREFIX)) return undefined;
    const hash = digest(secret);
    const session = await this.accounts.findSession(this.db, hash);
    if (!session || session.user.is_disabled) return undefined;
    if (session.expires_at.getTime() - Date.now() < SESSION_TTL_MS - SESSION_REFRESH_MS) {
      await this.accounts.touchSession(this.db, hash, new Date(Date.now() + SESSION_TTL_MS));
    }
    return { actor: toActor(session.user, 'session'), csrfToken: session.csrf_token, sessionHash: hash };
  }

  async authenticateToken(secret: string): Promise<Authenticated | undefined> {
    if (!secret.startsWith(API_TOKEN_PREFIX)) return undefined;
    const hash = digest(secret);
    const key = hash.toString('base64');
    const cached = this.tokens.get(key);
    if (cached) {
      if (Date.now() - cached.lastUsedAt > TOKEN_TOUCH_MS) {
        await this.accounts.touchToken(this.db, cached.tokenId);
        cached.lastUsedAt = Date.now();
      }
      return { actor: cached.actor, csrfToken: null, sessionHash: null };
    }
    const generation = this.tokens.generation;
    const found = await this.accounts.findTokenUser(this.db, hash);
    if (!found || found.user.is_disabled) return undefined;
    // The repository writes only when the recorded time is over a minute old; asking first would cost
    // a round trip on nearly every request of a busy token, so skip it when the row we hold is fresh.
    let lastUsedAt = found.token.last_used_at?.getTime() ?? 0;
    if (Date.now() - lastUsedAt > TOKEN_TOUCH_MS) {
      await this.accounts.touchToken(this.db, found.token.id);
      lastUsedAt = Date.now();
    }
    const actor = toActor(found.user, 'token');
    this.tokens.set(
      key,
      { actor, tokenId: found.token.id, userId: found.user.id, lastUsedAt, expiresAt: found.token.expires_at?.getTime() ?? null },
      generation,
    );
    return { actor, csrfToken: null, sessionHash: null };
  }

  async me(userId: string) {
    const user = await this.accounts.findUserById(this.db, userId);
    if (!user) notFound('User');
    const identities = await this.accounts.listIdentities(this.db, userId);
    return {
      user: toUser(user),
      identities: identities.map((identity) => ({
        provider: identity.provider,
        login: identity.login,
        email: identity.email,
        created_at: identity.created_at.toISOString(),
      })),
    };
  }

  async changePassword(
    ctx: Ctx & { actor: Actor },
    input: { current_password?: string; new_password: string },
    keepSession: Buffer | null,
  ) {
    const user = await this.accounts.findUserById(this.db, ctx.actor.userId);
    if (!user) notFound('User');
    if (user.password_hash !== null) {
      if (input.current_password === undefined)
        fail('ERR_VALIDATION', 'current_password: is required', [{ field: 'current_password', message: 'is required' }]);
      if (!(await verifyPassword(user.password_hash, input.current_password))) {
        fail('ERR_VALIDATION', 'current_password: is wrong', [{ field: 'current_password', message: 'is wrong' }]);
      }
    }
    const passwordHash = await hashPassword(input.new_password);
    await this.db.transaction().execute(async (tx) => {
      await this.accounts.updateUser(tx, user.id, { password_hash: passwordHash });
      // Someone who knew the old password must not stay signed in elsewhere.
      await this.accounts.deleteSessionsOfUser(tx, user.id, keepSession ?? undefined);
      await this.audit.record(tx, ctx, { action: 'user.password_changed', targetType: 'user', targetId: user.id });
    });
  }

  async createToken(ctx: Ctx & { actor: Actor }, input: { name: string; expires_in_days?: number }) {
    const { secret, hash } = newSecret(API_TOKEN_PREFIX);
    const expiresAt = input.expires_in_days ? new Date(Date.now() + input.expires_in_days * 86_400_000) : null;
    const token = await this.db.transaction().execute(async (tx) => {
      const row = await this.accounts.insertToken(tx, {
        userId: ctx.actor.userId,
        name: input.name,
        hash,
        prefix: secret.slice(0, 10),
        expiresAt,
      });
      await this.audit.record(tx, ctx, {
        action: 'token.created',
        targetType: 'api_token',
        targetId: row.id,
        summary: { name: input.name, expires_at: expiresAt?.toISOString() ?? null },
      });
      return row;
    });
    return { token: toApiToken(token), secret };
  }

  async listTokens(actor: Actor): Promise<ApiToken[]> {
    return (await this.accounts.listTokens(this.db, actor.userId)).map(toApiToken);
  }

  async revokeToken(ctx: Ctx & { actor: Actor }, id: string): Promise<ApiToken> {
    // Other processes learn of it from migration 0062's notification; this one need not wait for it.
    const token = await this.db.transaction().execute(async (tx) => {
      const revoked = await this.accounts.revokeToken(tx, ctx.actor.userId, id);
      if (!revoked) {
        const existing = await this.accounts.findToken(tx, ctx.actor.userId, id);
        if (existing) return toApiToken(existing);
        notFound('Token');
      }
      await this.audit.record(tx, ctx, { action: 'token.revoked', targetType: 'api_token', targetId: id, summary: { name: revoked.name } });
      return toApiToken(revoked);
    });
    this.tokens.drop(`token:${id}`);
    return token;
  }

  async listUsers(query: { cursor?: string; limit: number; q?: string; role?: Role }) {
    const rows = await this.accounts.listUsers(this.db, {
      after: decodeKeyset(query.cursor),
      limit: query.limit,
      query: query.q,
      role: query.role,
    });
    return toPage(rows, query.limit, toUser, (row) => ({ at: row.created_at, id: row.id }));
  }

  async getUser(id: string): Promise<User> {
    const user = await this.accounts.findUserById(this.db, id);
    if (!user) notFound('User');
    return toUser(user);
  }

  async updateUser(ctx: Ctx & { actor: Actor }, id: string, patch: { roles?: Role[]; is_disabled?: boolean }): Promise<User> {
    const user = await this.db.transaction().execute(async (tx) => {
      const user = await this.accounts.findUserById(tx, id);
      if (!user) notFound('User');
      const roles = patch.roles ? [...new Set(patch.roles)].sort() : undefined;
      if (user.id === ctx.actor.userId && ((roles && !roles.includes('admin')) || patch.is_disabled)) {
        fail('ERR_CONFLICT', 'You cannot remove your own admin role or disable yourself; ask another admin.');
      }
      const updated = await this.accounts.updateUser(tx, id, {
        ...(roles ? { roles } : {}),
        ...(patch.is_disabled !== undefined ? { is_disabled: patch.is_disabled } : {}),
      });
      if (patch.is_disabled) await this.accounts.deleteSessionsOfUser(tx, id);
      await this.audit.record(tx, ctx, {
        action: 'user.updated',
        targetType: 'user',
        targetId: id,
        summary: {
          ...(roles ? { roles: { from: user.roles, to: roles } } : {}),
          ...(patch.is_disabled !== undefined ? { is_disabled: patch.is_disabled } : {}),
        },
      });
      return toUser(updated);
    });
    this.tokens.drop(`user:${id}`);
    return user;
  }

  /**
   * On the very first start there is nobody to grant roles: create the admin. Returns the generated
   * password when one had to be made up, so the caller can print it once.
   */
  async ensureFirstAdmin(email: string, password: string | undefined): Promise<{ email: string; password: string | null } | null> {
    if ((await this.accounts.countUsers(this.db)) > 0) return null;
    const chosen = password ?? randomBytes(12).toString('base64url');
    const passwordHash = await hashPassword(chosen);
    await this.db.transaction().execute(async (tx) => {
      const user = await this.accounts.insertUser(tx, {
        email: email.toLowerCase(),
        name: 'Administrator',
        passwordHash,
        roles: ['admin'],
        // The operator chose this address in the server's configuration: nobody else could have.
        isEmailVerified: true,
      });
      await this.audit.record(
        tx,
        { actor: null, requestId: null },
        {
          action: 'user.created',
          targetType: 'user',
          targetId: user.id,
          summary: { email: user.email, roles: ['admin'], reason: 'first start' },
        },
      );
    });
    return { email: email.toLowerCase(), password: password ? null : chosen };
  }

  private throttle(email: string, address: string) {
    // An address already over its limit is not let on to count (and so grow) the per-account table.
    const wait = this.perAddress.hit(addressKey(address)) || this.perAccount.hit(email.toLowerCase());
    if (wait > 0)
      throw new AppError('ERR_RATE_LIMITED', `Too many attempts; try again in ${wait} s.`, { headers: { 'retry-after': String(wait) } });
  }

  /** In the transaction that audits the sign-in: a session exists exactly when its event does. */
  private async startSession(tx: Executor, user: UserRow) {
    const { secret, hash } = newSecret(SESSION_PREFIX);
    const csrfToken = randomBytes(24).toString('base64url');
    const expiresAt = new Date(Date.now() + SESSION_TTL_MS);
    await this.accounts.insertSession(tx, { idHash: hash, userId: user.id, csrfToken, expiresAt });
    return { secret, csrfToken, expiresAt, user: toUser(user) };
  }
}

function actorCtx(ctx: Ctx, user: UserRow): Ctx {
  return { ...ctx, actor: toActor(user, 'session') };
}

export function toActor(user: Pick<UserRow, 'id' | 'email' | 'name' | 'roles' | 'github_login'>, via: 'session' | 'token'): Actor {
  return { userId: user.id, email: user.email, name: user.name, roles: user.roles as Role[], githubLogin: user.github_login, via };
}

export function toUser(user: UserRow): User {
  return {
    id: user.id,
    email: user.email,
    name: user.name,
    roles: user.roles as Role[],
    github_login: user.github_login,
    has_password: user.password_hash !== null,
    email_verified: user.email_verified_at !== null,
    is_disabled: user.is_disabled,
    created_at: user.created_at.toISOString(),
  };
}

function toApiToken(row: ApiTokenRow): ApiToken {
  return {
    id: row.id,
    name: row.name,
    prefix: row.token_prefix,
    created_at: row.created_at.toISOString(),
    last_used_at: row.last_used_at?.toISOString() ?? null,
    expires_at: row.expires_at?.toISOString() ?? null,
    revoked_at: row.revoked_at?.toISOString() ?? null,
  };
}
