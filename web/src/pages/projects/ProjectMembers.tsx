import { type Schemas, unwrap } from '@surplus/api-client';
import { type FormEvent, useState } from 'react';
import { useNavigate } from 'react-router';
import { Avatar } from '../../components/Avatar.tsx';
import { RoleBadge } from '../../components/Badge.tsx';
import { Banner, ErrorBanner } from '../../components/Banner.tsx';
import { Button } from '../../components/Button.tsx';
import { Card } from '../../components/Card.tsx';
import { CopyButton } from '../../components/CopyButton.tsx';
import { type Column, DataTable } from '../../components/DataTable.tsx';
import { Dialog, useConfirm } from '../../components/Dialog.tsx';
import { EmptyState } from '../../components/EmptyState.tsx';
import { Field, SelectField } from '../../components/Field.tsx';
import { Time } from '../../components/Time.tsx';
import { useToast } from '../../components/Toast.tsx';
import { useAction } from '../../hooks/use-action.ts';
import { useResource } from '../../hooks/use-resource.ts';
import { useSession } from '../../session.tsx';
import { type Project, useProject } from './ProjectLayout.tsx';

type Member = Schemas['Member'];
type Role = Schemas['ProjectRole'];

function InviteCard({ project, onInvited }: { project: Project; onInvited: () => void }) {
  const { client } = useSession();
  const toast = useToast();
  const [by, setBy] = useState<'email' | 'github_login'>('email');
  const [who, setWho] = useState('');
  const [role, setRole] = useState<Role>('member');
  const [sent, setSent] = useState<Schemas['InvitationCreated'] | null>(null);
  const invite = useAction(async () => {
    const body = by === 'email' ? { email: who.trim(), role } : { github_login: who.trim().replace(/^@/, ''), role };
    const created = await unwrap(
      client.POST('/api/v1/projects/{project}/invitations', { params: { path: { project: project.id } }, body }),
    );
    setSent(created);
    setWho('');
    toast.success(`Invited ${created.invitation.email ?? `@${created.invitation.github_login}`}.`);
    onInvited();
    return created;
  }, ['email', 'github_login', 'role']);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    setSent(null);
    void invite.run(undefined);
  };

  return (
    <Card
      title="Invite people"
      description="They get an email with a link (when invited by email) and see the invitation on their Invitations page."
    >
      <ErrorBanner error={invite.bannerError} title="The invitation was not sent" />
      {sent ? (
        <Banner tone="success" title={`Invitation sent to ${sent.invitation.email ?? `@${sent.invitation.github_login}`}`}>
          <div className="small">You can also share this link; it works once, until the invitation expires.</div>
          <div className="secret-box" style={{ marginTop: 8 }}>
            <code>{sent.accept_url}</code>
            <CopyButton text={sent.accept_url} label="Copy link" />
          </div>
        </Banner>
      ) : null}
      <form className="form" onSubmit={submit} noValidate aria-label="Invite a member">
        <fieldset className="segmented" aria-label="Invite by">
          <button type="button" aria-pressed={by === 'email'} onClick={() => setBy('email')}>
            By email
          </button>
          <button type="button" aria-pressed={by === 'github_login'} onClick={() => setBy('github_login')}>
            By GitHub login
          </button>
        </fieldset>
        <div className="form-row" style={{ gridTemplateColumns: 'minmax(0, 1fr) 160px' }}>
          <Field label={by === 'email' ? 'Email address' : 'GitHub login'} error={invite.fieldError(by)}>
            {(control) => (
              <input
                className="input"
                name={by}
                type={by === 'email' ? 'email' : 'text'}
                placeholder={by === 'email' ? 'maintainer@example.org' : 'octocat'}
                autoComplete="off"
                {...control}
                value={who}
                onChange={(event) => setWho(event.target.value)}
              />
            )}
          </Field>
          <SelectField label="Role" name="role" value={role} onChange={(event) => setRole(event.target.value as Role)}>
            <option value="member">Member</option>
            <option value="owner">Owner</option>
          </SelectField>
        </div>
        <div>
          <Button type="submit" variant="primary" isLoading={invite.isRunning}>
            Send invitation
          </Button>
        </div>
      </form>
    </Card>
  );
}

function TransferDialog({
  isOpen,
  onClose,
  candidates,
  onTransfer,
  isRunning,
  error,
}: {
  isOpen: boolean;
  onClose: () => void;
  candidates: Member[];
  onTransfer: (userId: string) => void;
  isRunning: boolean;
  error: unknown;
}) {
  const [userId, setUserId] = useState('');
  const chosen = userId || candidates[0]?.user.id || '';
  return (
    <Dialog
      isOpen={isOpen}
      title="Transfer ownership"
      onClose={onClose}
      onSubmit={() => chosen && onTransfer(chosen)}
      footer={
        <>
          <Button onClick={onClose}>Cancel</Button>
          <Button type="submit" variant="danger-solid" isLoading={isRunning} disabled={!chosen}>
            Transfer ownership
          </Button>
        </>
      }
    >
      <ErrorBanner error={error} />
      <p>The person you choose becomes an owner and you become a member. You can no longer manage members or settings.</p>
      <SelectField label="New owner" value={chosen} onChange={(event) => setUserId(event.target.value)}>
        {candidates.map((member) => (
          <option key={member.user.id} value={member.user.id}>
            {member.user.name} ({member.user.email})
          </option>
        ))}
      </SelectField>
    </Dialog>
  );
}

export function ProjectMembers() {
  const { project, canManage, reload: reloadProject } = useProject();
  const { client, user } = useSession();
  const toast = useToast();
  const confirm = useConfirm();
  const navigate = useNavigate();
  const [isTransferOpen, setIsTransferOpen] = useState(false);
  const path = { params: { path: { project: project.id } } };
  const members = useResource(`members:${project.id}`, () => unwrap(client.GET('/api/v1/projects/{project}/members', path)));

  const changeRole = useAction(async ({ member, role }: { member: Member; role: Role }) => {
    const list = await unwrap(
      client.PATCH('/api/v1/projects/{project}/members/{user}', {
        params: { path: { project: project.id, user: member.user.id } },
        body: { role },
      }),
    );
    members.setData(() => list);
    toast.success(`${member.user.name} is now ${role === 'owner' ? 'an owner' : 'a member'}.`);
    reloadProject();
  });

  const remove = useAction(async (member: Member) => {
    const isSelf = member.user.id === user?.id;
    const isConfirmed = await confirm({
      title: isSelf ? `Leave ${project.name}?` : `Remove ${member.user.name}?`,
      body: isSelf
        ? 'You will lose access to the project until someone invites you again.'
        : `${member.user.name} (${member.user.email}) will lose access to ${project.name}.`,
      confirmLabel: isSelf ? 'Leave project' : 'Remove member',
      isDanger: true,
    });
    if (!isConfirmed) return;
    await unwrap(
      client.DELETE('/api/v1/projects/{project}/members/{user}', { params: { path: { project: project.id, user: member.user.id } } }),
    );
    if (isSelf) {
      toast.success(`You left ${project.name}.`);
      navigate('/projects');
      return;
    }
    toast.success(`Removed ${member.user.name}.`);
    members.reload();
    reloadProject();
  });

  const transfer = useAction(async (userId: string) => {
    const list = await unwrap(client.POST('/api/v1/projects/{project}/transfer', { ...path, body: { user_id: userId } }));
    members.setData(() => list);
    setIsTransferOpen(false);
    toast.success('Ownership transferred.');
    reloadProject();
  });

  const items = members.data?.items ?? [];
  const isOwner = project.my_role === 'owner';
  const others = items.filter((member) => member.user.id !== user?.id);
  const columns: Column<Member>[] = [
    {
      header: 'Member',
      cell: (member) => (
        <div className="project-title">
          <Avatar name={member.user.name} />
          <div>
            <span className="cell-title">
              {member.user.name}
              {member.user.id === user?.id ? <span className="muted"> (you)</span> : null}
            </span>
            <span className="cell-sub">
              {member.user.email}
              {member.user.github_login ? ` · @${member.user.github_login}` : ''}
            </span>
          </div>
        </div>
      ),
    },
    {
      header: 'Role',
      cell: (member) =>
        canManage ? (
          <select
            className="select"
            style={{ width: 130 }}
            aria-label={`Role of ${member.user.name}`}
            value={member.role}
            disabled={changeRole.isRunning}
            onChange={(event) => void changeRole.run({ member, role: event.target.value as Role })}
          >
            <option value="member">Member</option>
            <option value="owner">Owner</option>
          </select>
        ) : (
          <RoleBadge role={member.role} />
        ),
    },
    { header: 'Joined', cell: (member) => <Time iso={member.joined_at} /> },
    {
      header: 'Actions',
      isHeaderHidden: true,
      className: 'actions',
      cell: (member) =>
        member.user.id === user?.id ? (
          <Button size="sm" variant="danger" onClick={() => void remove.run(member)}>
            Leave
          </Button>
        ) : canManage ? (
          <Button size="sm" variant="danger" onClick={() => void remove.run(member)} aria-label={`Remove ${member.user.name}`}>
            Remove
          </Button>
        ) : null,
    },
  ];

  return (
    <>
      {canManage ? <InviteCard project={project} onInvited={() => undefined} /> : null}
      <ErrorBanner error={changeRole.error ?? remove.error} />
      <Card
        title="Members"
        description="Owners manage members, invitations and settings; members can see the project and its servers."
        isFlush
        actions={
          isOwner && others.length > 0 ? (
            <Button size="sm" onClick={() => setIsTransferOpen(true)}>
              Transfer ownership
            </Button>
          ) : null
        }
      >
        <DataTable
          label="Members"
          columns={columns}
          rows={items}
          rowKey={(member) => member.user.id}
          isLoading={members.isLoading}
          error={members.error}
          onRetry={members.reload}
          empty={<EmptyState icon="users" title="No members" />}
        />
      </Card>
      <TransferDialog
        isOpen={isTransferOpen}
        onClose={() => {
          setIsTransferOpen(false);
          transfer.reset();
        }}
        candidates={others}
        onTransfer={(userId) => void transfer.run(userId)}
        isRunning={transfer.isRunning}
        error={transfer.error}
      />
    </>
  );
}
