import { type Schemas, unwrap } from '@surplus/api-client';
import { Link } from 'react-router';
import { RoleBadge } from '../../components/Badge.tsx';
import { ErrorBanner } from '../../components/Banner.tsx';
import { Button } from '../../components/Button.tsx';
import { Card } from '../../components/Card.tsx';
import { type Column, DataTable } from '../../components/DataTable.tsx';
import { EmptyState } from '../../components/EmptyState.tsx';
import { PageHeader } from '../../components/PageHeader.tsx';
import { Time } from '../../components/Time.tsx';
import { useToast } from '../../components/Toast.tsx';
import { useAction } from '../../hooks/use-action.ts';
import { useResource } from '../../hooks/use-resource.ts';
import { useSession } from '../../session.tsx';

type Invitation = Schemas['Invitation'];

export function MyInvitations() {
  const { client, user } = useSession();
  const toast = useToast();
  const invitations = useResource('my-invitations', () => unwrap(client.GET('/api/v1/invitations')));
  const respond = useAction(async ({ invitation, verb }: { invitation: Invitation; verb: 'accept' | 'decline' }) => {
    const path = { params: { path: { id: invitation.id } } };
    await unwrap(
      verb === 'accept' ? client.POST('/api/v1/invitations/{id}/accept', path) : client.POST('/api/v1/invitations/{id}/decline', path),
    );
    toast.success(verb === 'accept' ? `You joined ${invitation.project.name}.` : `Declined the invitation to ${invitation.project.name}.`);
    invitations.reload();
  });

  const pending = (invitations.data?.items ?? []).filter((invitation) => invitation.state === 'pending');
  const columns: Column<Invitation>[] = [
    {
      header: 'Project',
      cell: (invitation) => (
        <>
          <span className="cell-title">{invitation.project.name}</span>
          <span className="cell-sub mono">{invitation.project.slug}</span>
        </>
      ),
    },
    { header: 'Role', cell: (invitation) => <RoleBadge role={invitation.role} /> },
    { header: 'Invited by', cell: (invitation) => invitation.invited_by ?? '—' },
    { header: 'Sent', cell: (invitation) => <Time iso={invitation.created_at} /> },
    { header: 'Expires', cell: (invitation) => <Time iso={invitation.expires_at} /> },
    {
      header: 'Actions',
      isHeaderHidden: true,
      className: 'actions',
      cell: (invitation) => (
        <>
          <Button
            size="sm"
            variant="primary"
            onClick={() => void respond.run({ invitation, verb: 'accept' })}
            disabled={respond.isRunning}
            aria-label={`Accept invitation to ${invitation.project.name}`}
          >
            Accept
          </Button>
          <Button
            size="sm"
            onClick={() => void respond.run({ invitation, verb: 'decline' })}
            disabled={respond.isRunning}
            aria-label={`Decline invitation to ${invitation.project.name}`}
          >
            Decline
          </Button>
        </>
      ),
    },
  ];

  return (
    <>
      <PageHeader title="Invitations" description="Projects that invited you to join as a member or owner." />
      <ErrorBanner error={respond.error} />
      <Card isFlush>
        <DataTable
          label="Pending invitations"
          columns={columns}
          rows={pending}
          rowKey={(invitation) => invitation.id}
          isLoading={invitations.isLoading}
          error={invitations.error}
          onRetry={invitations.reload}
          empty={
            <EmptyState icon="mail" title="No pending invitations">
              Invitations sent to {user?.email}
              {user?.github_login ? ` or to @${user.github_login}` : ''} show up here. <Link to="/projects">See your projects</Link>.
            </EmptyState>
          }
        />
      </Card>
    </>
  );
}
