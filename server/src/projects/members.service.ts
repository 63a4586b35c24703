import { digest, newSecret } from '../accounts/tokens.ts';
import type { EmailVerificationService } from '../accounts/verification.service.ts';
import type { AuditService } from '../audit/audit.service.ts';
import type { Db, Executor } from '../db/database.ts';
import type { ProjectRole } from '../db/schema.ts';
import type { Actor, Ctx } from '../http/context.ts';
import { fail, notFound } from '../http/errors.ts';
import type { ProjectAccess } from '../http/policy.ts';
import type { Outbox } from '../mail/outbox.ts';
import type { InvitationWithProject, ProjectsRepository } from './projects.repository.ts';
import type { Invitation, InvitationCreateBody, MyInvitation } from './projects.schemas.ts';

type SignedIn = Ctx & { actor: Actor };

const INVITATION_TTL_MS = 14 * 86_400_000;
const INVITATION_PREFIX = 'spi_';

/** Project membership: members, owners, ownership transfer and invitations. */
export class MembersService {
  private readonly db: Db;
  private readonly projects: ProjectsRepository;
  private readonly audit: AuditService;
  private readonly outbox: Outbox;
  private readonly verification: EmailVerificationService;
  private readonly publicUrl: string;

  constructor(
    db: Db,
    projects: ProjectsRepository,
    audit: AuditService,
    outbox: Outbox,
    verification: EmailVerificationService,
    publicUrl: string,
  ) {
    this.db = db;
    this.projects = projects;
    this.audit = audit;
    this.outbox = outbox;
    this.verification = verification;
    this.publicUrl = publicUrl;
  }

  async list(access: ProjectAccess) {
    const rows = await this.projects.listMembers(this.db, access.project.id);
    return rows.map((row) => ({
      user: { id: row.id, name: row.name, email: row.email, github_login: row.github_login },
      role: row.role,
      joined_at: row.created_at.toISOString(),
    }));
  }

  async setRole(ctx: SignedIn, access: ProjectAccess, userId: string, role: ProjectRole) {
    await this.db.transaction().execute(async (tx) => {
      await this.projects.lockById(tx, access.project.id);
      const current = await this.projects.roleOf(tx, access.project.id, userId);
      if (current === null) notFound('Member');
      if (current === role) return;
      if (current === 'owner') await this.assertNotLastOwner(tx, access.project.id);
      await this.projects.setRole(tx, access.project.id, userId, role);
      await this.audit.record(tx, ctx, {
        action: 'member.role_changed',
        targetType: 'user',
        targetId: userId,
        projectId: access.project.id,
        summary: { from: current, to: role },
      });
    });
  }

  /** Owners remove anyone; members may remove themselves (leave). */
  async remove(ctx: SignedIn, access: ProjectAccess, userId: string) {
    const isSelf = userId === ctx.actor.userId;
    if (!isSelf && access.role !== 'owner' && !ctx.actor.roles.includes('admin'))
      fail('ERR_FORBIDDEN', 'Only the project’s owners can remove other members.');
    await this.db.transaction().execute(async (tx) => {
      // Lock the project row so two concurrent removals cannot both see "another owner remains".
      await this.projects.lockById(tx, access.project.id);
      const role = await this.projects.roleOf(tx, access.project.id, userId);
      if (role === null) notFound('Member');
      if (role === 'owner') await this.assertNotLastOwner(tx, access.project.id);
      await this.projects.removeMember(tx, access.project.id, userId);
      await this.audit.record(tx, ctx, {
        action: isSelf ? 'member.left' : 'member.removed',
        targetType: 'user',
        targetId: userId,
        projectId: access.project.id,
        summary: { role },
      });
    });
  }

  async transfer(ctx: SignedIn, access: ProjectAccess, userId: string) {
    if (userId === ctx.actor.userId) fail('ERR_CONFLICT', 'You already own this project.');
    await this.db.transaction().execute(async (tx) => {
      await this.projects.lockById(tx, access.project.id);
      const role = await this.projects.roleOf(tx, access.project.id, userId);
      if (role === null)
        fail('ERR_VALIDATION', 'user_id: is not a member of this project; invite them first', [
          { field: 'user_id', message: 'is not a member of this project' },
        ]);
      await this.projects.setRole(tx, access.project.id, userId, 'owner');
      if (access.role === 'owner') await this.projects.setRole(tx, access.project.id, ctx.actor.userId, 'member');
      await this.audit.record(tx, ctx, {
        action: 'project.ownership_transferred',
        targetType: 'project',
        targetId: access.project.id,
        projectId: access.project.id,
        summary: { to_user_id: userId, from_user_id: ctx.actor.userId },
      });
    });
  }

  async invite(ctx: SignedIn, access: ProjectAccess, body: InvitationCreateBody) {
    const email = body.email?.toLowerCase() ?? null;
    const githubLogin = body.github_login ?? null;
    const { secret, hash } = newSecret(INVITATION_PREFIX);
    const acceptUrl = new URL(`/invitations/accept?token=${encodeURIComponent(secret)}`, this.publicUrl).href;
    return this.db.transaction().execute(async (tx) => {
      // Two invitations of one person at once would both find nothing to replace, and the second
      // would then break the one-pending-invitation index.
      await this.projects.lockById(tx, access.project.id);
      const members = await this.projects.listMembers(tx, access.project.id);
      const isMember = members.some(
        (member) => (email && member.email === email) || (githubLogin && member.github_login?.toLowerCase() === githubLogin.toLowerCase()),
      );
      if (isMember) fail('ERR_ALREADY_MEMBER');
      const replaced = await this.projects.revokePendingFor(tx, access.project.id, { email, githubLogin });
      const row = await this.projects.insertInvitation(tx, {
        projectId: access.project.id,
        email,
        githubLogin,
        role: body.role,
        tokenHash: hash,
        invitedBy: ctx.actor.userId,
        expiresAt: new Date(Date.now() + INVITATION_TTL_MS),
      });
      if (email) {
        await this.outbox.enqueue(tx, {
          to: email,
          subject: `${ctx.actor.name} invited you to ${access.project.name} on Surplus`,
          text: `${ctx.actor.name} invited you to join ${access.project.name} as ${body.role === 'owner' ? 'an owner' : 'a member'} on Surplus.\n\nAccept or decline: ${acceptUrl}\n\nThe invitation expires on ${row.expires_at.toUTCString()}.`,
        });
      }
      await this.audit.record(tx, ctx, {
        action: 'invitation.created',
        targetType: 'invitation',
        targetId: row.id,
        projectId: access.project.id,
        summary: { email, github_login: githubLogin, role: body.role, replaced: replaced.map((r) => r.id) },
      });
      const invitation = await this.projects.findInvitation(tx, row.id);
      return { invitation: toInvitation(invitation as InvitationWithProject), accept_url: acceptUrl };
    });
  }

  async listForProject(access: ProjectAccess): Promise<Invitation[]> {
    return (await this.projects.listProjectInvitations(this.db, access.project.id)).map(toInvitation);
  }

  /** Shown even before the address is proven, flagged, so the invitee learns what to do about them. */
  async listMine(actor: Actor): Promise<MyInvitation[]> {
    const rows = await this.projects.listInvitationsFor(this.db, { email: actor.email, githubLogin: actor.githubLogin });
    const isVerified = rows.length > 0 && (await this.verification.isVerified(this.db, actor.userId));
    return rows.map((row) => ({ ...toInvitation(row), needs_verification: !isVerified && !isForLogin(row, actor) }));
  }

  async revoke(ctx: SignedIn, access: ProjectAccess, id: string) {
    await this.db.transaction().execute(async (tx) => {
      const invitation = await this.projects.findInvitation(tx, id);
      if (!invitation || invitation.project_id !== access.project.id) notFound('Invitation');
      if (stateOf(invitation) !== 'pending') fail('ERR_INVITATION_CLOSED', `This invitation is already ${stateOf(invitation)}.`);
      await this.projects.setInvitationState(tx, id, 'revoked');
      await this.audit.record(tx, ctx, {
        action: 'invitation.revoked',
        targetType: 'invitation',
        targetId: id,
        projectId: access.project.id,
      });
    });
  }

  /**
   * Accepts or declines. By id, the invitation must name the caller: their GitHub login (only GitHub
   * sign-in sets it) or their email address once proven, since anyone can sign up with any address.
   * By token, holding the emailed link is the proof, and also proves the address it was sent to.
   */
  async respond(ctx: SignedIn, by: { id: string } | { token: string }, decision: 'accepted' | 'declined'): Promise<Invitation> {
    return this.db.transaction().execute(async (tx) => {
      const invitation =
        'id' in by ? await this.projects.findInvitation(tx, by.id) : await this.projects.findInvitationByToken(tx, digest(by.token));
      if (!invitation) notFound('Invitation');
      if ('id' in by) {
        if (!isForLogin(invitation, ctx.actor) && !isForEmail(invitation, ctx.actor)) notFound('Invitation');
        if (!isForLogin(invitation, ctx.actor) && !(await this.verification.isVerified(tx, ctx.actor.userId))) fail('ERR_EMAIL_UNVERIFIED');
      }
      const state = stateOf(invitation);
      if (state !== 'pending') fail('ERR_INVITATION_CLOSED', `This invitation is ${state}.`);
      await this.projects.lockById(tx, invitation.project_id);
      if (decision === 'accepted') {
        const current = await this.projects.roleOf(tx, invitation.project_id, ctx.actor.userId);
        if (current === null) await this.projects.addMember(tx, invitation.project_id, ctx.actor.userId, invitation.role);
        else if (current === 'member' && invitation.role === 'owner')
          await this.projects.setRole(tx, invitation.project_id, ctx.actor.userId, 'owner');
      }
      await this.projects.setInvitationState(tx, invitation.id, decision);
      await this.audit.record(tx, ctx, {
        action: `invitation.${decision}`,
        targetType: 'invitation',
        targetId: invitation.id,
        projectId: invitation.project_id,
        summary: { role: invitation.role },
      });
      if ('token' in by && decision === 'accepted' && isForEmail(invitation, ctx.actor))
        await this.verification.markVerified(tx, ctx, { id: ctx.actor.userId, email: ctx.actor.email }, 'invitation');
      return toInvitation({ ...invitation, state: decision, responded_at: new Date() });
    });
  }

  /** The nightly sweep: pending invitations past their date become expired (audited as the system). */
  async expireInvitations(): Promise<number> {
    return this.db.transaction().execute(async (tx) => {
      const expired = await this.projects.expireInvitations(tx);
      for (const invitation of expired) {
        await this.audit.record(
          tx,
          { actor: null, requestId: null },
          { action: 'invitation.expired', targetType: 'invitation', targetId: invitation.id, projectId: invitation.project_id },
        );
      }
      return expired.length;
    });
  }

  private async assertNotLastOwner(tx: Executor, projectId: string) {
    if ((await this.projects.countOwners(tx, projectId)) <= 1) {
      fail('ERR_LAST_OWNER', 'This is the project’s last owner: make someone else owner first (or transfer ownership).');
    }
  }
}

function isForEmail(invitation: InvitationWithProject, actor: Actor) {
  return invitation.email !== null && invitation.email.toLowerCase() === actor.email.toLowerCase();
}

function isForLogin(invitation: InvitationWithProject, actor: Actor) {
  return (
    invitation.github_login !== null &&
    actor.githubLogin !== null &&
    invitation.github_login.toLowerCase() === actor.githubLogin.toLowerCase()
  );
}

// An invitation past its date is expired even before the sweep has marked it.
function stateOf(invitation: InvitationWithProject) {
  return invitation.state === 'pending' && invitation.expires_at.getTime() <= Date.now() ? 'expired' : invitation.state;
}

function toInvitation(row: InvitationWithProject): Invitation {
  return {
    id: row.id,
    project: { id: row.project_id, slug: row.project_slug, name: row.project_name },
    email: row.email,
    github_login: row.github_login,
    role: row.role,
    state: stateOf(row),
    invited_by: row.inviter_name,
    created_at: row.created_at.toISOString(),
    expires_at: row.expires_at.toISOString(),
    responded_at: row.responded_at?.toISOString() ?? null,
  };
}
