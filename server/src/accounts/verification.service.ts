import type { AuditService } from '../audit/audit.service.ts';
import type { Db, Executor } from '../db/database.ts';
import type { UserRow } from '../db/schema.ts';
import type { Ctx, SignedIn } from '../http/context.ts';
import { AppError, fail, notFound } from '../http/errors.ts';
import type { Outbox } from '../mail/outbox.ts';
import type { AccountsRepository } from './accounts.repository.ts';
import { toActor } from './accounts.service.ts';
import { RateLimiter } from './rate-limiter.ts';
import { digest, newSecret } from './tokens.ts';

const LINK_TTL_MS = 7 * 86_400_000;
const VERIFICATION_PREFIX = 'spv_';

/** How an address came to be trusted, as the audit log records it. */
export type VerificationMethod = 'link' | 'sso' | 'invitation';

/**
 * Proves that a user reads the mail of their account's address. Sign-up takes any address, so until
 * it is proven, nothing may be granted on the strength of the address alone (invitations by id).
 */
export class EmailVerificationService {
  private readonly db: Db;
  private readonly accounts: AccountsRepository;
  private readonly audit: AuditService;
  private readonly outbox: Outbox;
  private readonly publicUrl: string;
  // Each resend is an email to an address nobody has proven yet: enough for a slow mail server, not
  // enough to use Surplus to flood someone else's mailbox.
  private readonly resends = new RateLimiter(5, 60 * 60 * 1000);

  constructor(db: Db, accounts: AccountsRepository, audit: AuditService, outbox: Outbox, publicUrl: string) {
    this.db = db;
    this.accounts = accounts;
    this.audit = audit;
    this.outbox = outbox;
    this.publicUrl = publicUrl;
  }

  /** In the caller's transaction: emails a link that proves `user.email`, valid for 7 days. */
  async send(tx: Executor, user: Pick<UserRow, 'id' | 'email' | 'name'>): Promise<{ email: string; expires_at: string }> {
    const { secret, hash } = newSecret(VERIFICATION_PREFIX);
    const expiresAt = new Date(Date.now() + LINK_TTL_MS);
    const url = new URL(`/verify-email?token=${encodeURIComponent(secret)}`, this.publicUrl).href;
    await this.accounts.deleteExpiredEmailVerifications(tx, user.id);
    await this.accounts.insertEmailVerification(tx, { tokenHash: hash, userId: user.id, email: user.email, expiresAt });
    await this.outbox.enqueue(tx, {
      to: user.email,
      subject: 'Confirm your email address for Surplus',
      text: [
        `Hello ${user.name},`,
        `Confirm that ${user.email} is your address on Surplus: ${url}`,
        'Until you do, project invitations sent to this address can only be accepted through the link in the invitation email.',
        `The link expires on ${expiresAt.toUTCString()}. If you did not create an account on Surplus, ignore this email.`,
      ].join('\n\n'),
    });
    return { email: user.email, expires_at: expiresAt.toISOString() };
  }

  /** Follows an emailed link. Holding it is the proof, so no sign-in is needed; a second click is harmless. */
  async verify(ctx: Ctx, token: string): Promise<{ email: string; verified_at: string }> {
    return this.db.transaction().execute(async (tx) => {
      const link = await this.accounts.findEmailVerification(tx, digest(token));
      const user = link ? await this.accounts.findUserById(tx, link.user_id) : undefined;
      // A link proves the address it was sent to, not whatever the account's address is now.
      if (!link || !user || user.email.toLowerCase() !== link.email.toLowerCase()) fail('ERR_VERIFICATION_INVALID');
      if (user.email_verified_at) return { email: user.email, verified_at: user.email_verified_at.toISOString() };
      if (link.expires_at.getTime() <= Date.now()) fail('ERR_VERIFICATION_EXPIRED');
      // Followed while signed out, the audit names the account whose link it was.
      const verified = await this.markVerified(tx, ctx.actor ? ctx : { ...ctx, actor: toActor(user, 'session') }, user, 'link');
      return { email: user.email, verified_at: (verified?.email_verified_at ?? new Date()).toISOString() };
    });
  }

  async resend(ctx: SignedIn): Promise<{ email: string; expires_at: string }> {
    return this.db.transaction().execute(async (tx) => {
      const user = await this.accounts.findUserById(tx, ctx.actor.userId);
      if (!user) notFound('User');
      if (user.email_verified_at) fail('ERR_CONFLICT', 'Your email address is already verified.');
      const wait = this.resends.hit(user.id);
      if (wait > 0)
        throw new AppError('ERR_RATE_LIMITED', `Several links were sent already; check your mail or try again in ${wait} s.`, {
          headers: { 'retry-after': String(wait) },
        });
      return this.send(tx, user);
    });
  }

  /**
   * In the caller's transaction: records that `email` is proven for the user, when it is still their
   * address. Returns the updated row when this call verified it (audited once), else undefined.
   */
  async markVerified(
    tx: Executor,
    ctx: Ctx,
    user: Pick<UserRow, 'id' | 'email'>,
    method: VerificationMethod,
  ): Promise<UserRow | undefined> {
    const verified = await this.accounts.markEmailVerified(tx, user.id, user.email);
    if (verified) {
      await this.audit.record(tx, ctx, {
        action: 'user.email_verified',
        targetType: 'user',
        targetId: user.id,
        summary: { email: verified.email, method },
      });
    }
    return verified;
  }

  async isVerified(db: Executor, userId: string): Promise<boolean> {
    const user = await this.accounts.findUserById(db, userId);
    return Boolean(user?.email_verified_at);
  }
}
