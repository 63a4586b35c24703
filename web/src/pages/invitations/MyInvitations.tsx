import { type Schemas, unwrap } from '@surplus/api-client';
import { Link } from 'react-router';
import { RoleBadge } from '../../components/Badge.tsx';
import { Banner, ErrorBanner } from '../../components/Banner.tsx';
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
import { useResendVerification } from '../auth/VerifyEmailBanner.tsx';

type Invitation = Schemas['MyInvitation'];

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
  const resend = useResendVerification();

  const pending = (invitations.data?.items ?? []).filter((invitation) => invitation.state === 'pending');
  const isWaitingForVerification = pending.some((invitation) => invitation.needs_verification);
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
          {invitation.needs_verification ? <span className="cell-sub">Verify your email, or use the emailed link</span> : null}
          <Button
            size="sm"
            variant="primary"
            onClick={() => void respond.run({ invitation, verb: 'accept' })}
            disabled={respond.isRunning || invitation.needs_verification}
            aria-label={`Accept invitation to ${invitation.project.name}`}
          >
            Accept
          </Button>
          <Button
            size="sm"
            onClick={() => void respond.run({ invitation, verb: 'decline' })}
            disabled={respond.isRunning || invitation.needs_verification}
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
      {user && !user.email_verified ? (
        <div className="page-banner">
          <Banner
            tone="warning"
            title="Verify your email address to answer invitations here"
            actions={
              <Button size="sm" isLoading={resend.isRunning} onClick={() => void resend.run(undefined)}>
                Resend verification email
              </Button>
            }
          >
            {isWaitingForVerification ? (
              <>
                Some invitations below were sent to <strong>{user.email}</strong>.
              </>
            ) : (
              <>
                Invitations sent to <strong>{user.email}</strong> wait here until you verify it.
              </>
            )}{' '}
            Anyone can sign up with any address, so Surplus needs to know it is yours before you answer them here: follow the link in the
            verification email, or open the link in the invitation email itself, which works right away.
          </Banner>
          <ErrorBanner error={resend.error} title="Could not send a new link" />
        </div>
      ) : null}
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
