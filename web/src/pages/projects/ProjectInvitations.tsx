import { type Schemas, unwrap } from '@surplus/api-client';
import { RoleBadge, StateBadge } from '../../components/Badge.tsx';
import { ErrorBanner } from '../../components/Banner.tsx';
import { Button, ButtonLink } from '../../components/Button.tsx';
import { Card } from '../../components/Card.tsx';
import { type Column, DataTable } from '../../components/DataTable.tsx';
import { useConfirm } from '../../components/Dialog.tsx';
import { EmptyState } from '../../components/EmptyState.tsx';
import { Time } from '../../components/Time.tsx';
import { useToast } from '../../components/Toast.tsx';
import { useAction } from '../../hooks/use-action.ts';
import { useResource } from '../../hooks/use-resource.ts';
import { useSession } from '../../session.tsx';
import { useProject } from './ProjectLayout.tsx';

type Invitation = Schemas['Invitation'];

export function invitee(invitation: Invitation) {
  return invitation.email ?? `@${invitation.github_login}`;
}

export function ProjectInvitations() {
  const { project } = useProject();
  const { client } = useSession();
  const toast = useToast();
  const confirm = useConfirm();
  const invitations = useResource(`invitations:${project.id}`, () =>
    unwrap(client.GET('/api/v1/projects/{project}/invitations', { params: { path: { project: project.id } } })),
  );
  const revoke = useAction(async (invitation: Invitation) => {
    const isConfirmed = await confirm({
      title: 'Revoke invitation?',
      body: `The link sent to ${invitee(invitation)} stops working.`,
      confirmLabel: 'Revoke',
      isDanger: true,
    });
    if (!isConfirmed) return;
    await unwrap(
      client.DELETE('/api/v1/projects/{project}/invitations/{id}', { params: { path: { project: project.id, id: invitation.id } } }),
    );
    toast.success(`Revoked the invitation for ${invitee(invitation)}.`);
    invitations.reload();
  });

  const columns: Column<Invitation>[] = [
    { header: 'Invitee', cell: (invitation) => <span className="cell-title">{invitee(invitation)}</span> },
    { header: 'Role', cell: (invitation) => <RoleBadge role={invitation.role} /> },
    { header: 'State', cell: (invitation) => <StateBadge state={invitation.state} /> },
    { header: 'Invited by', cell: (invitation) => invitation.invited_by ?? '—' },
    { header: 'Sent', cell: (invitation) => <Time iso={invitation.created_at} /> },
    {
      header: 'Expires',
      cell: (invitation) =>
        invitation.state === 'pending' ? (
          <Time iso={invitation.expires_at} />
        ) : invitation.responded_at ? (
          <span className="muted">
            {invitation.state} <Time iso={invitation.responded_at} />
          </span>
        ) : (
          '—'
        ),
    },
    {
      header: 'Actions',
      isHeaderHidden: true,
      className: 'actions',
      cell: (invitation) =>
        invitation.state === 'pending' ? (
          <Button
            size="sm"
            variant="danger"
            onClick={() => void revoke.run(invitation)}
            aria-label={`Revoke invitation for ${invitee(invitation)}`}
          >
            Revoke
          </Button>
        ) : null,
    },
  ];

  return (
    <>
      <ErrorBanner error={revoke.error} />
      <Card
        title="Invitations"
        description="Pending invitations expire after 14 days."
        isFlush
        actions={
          <ButtonLink size="sm" to="../members">
            Invite people
          </ButtonLink>
        }
      >
        <DataTable
          label="Invitations"
          columns={columns}
          rows={invitations.data?.items ?? []}
          rowKey={(invitation) => invitation.id}
          isLoading={invitations.isLoading}
          error={invitations.error}
          onRetry={invitations.reload}
          empty={
            <EmptyState icon="mail" title="No invitations yet">
              Invite the other maintainers from the Members tab.
            </EmptyState>
          }
        />
      </Card>
    </>
  );
}
