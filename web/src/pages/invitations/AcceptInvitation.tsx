import { type Schemas, unwrap } from '@surplus/api-client';
import { useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { Banner, ErrorBanner } from '../../components/Banner.tsx';
import { Button, ButtonLink } from '../../components/Button.tsx';
import { Card } from '../../components/Card.tsx';
import { EmptyState } from '../../components/EmptyState.tsx';
import { PageHeader } from '../../components/PageHeader.tsx';
import { useAction } from '../../hooks/use-action.ts';
import { useSession } from '../../session.tsx';

/**
 * Where the emailed link lands (after sign-in, if needed). Holding the link is the proof, so the
 * invitation is answered by its token — but only on a click, never on page load, because link
 * previews and mail scanners open links too.
 */
export function AcceptInvitation() {
  const { client, user } = useSession();
  const [params] = useSearchParams();
  const token = params.get('token') ?? '';
  const [answered, setAnswered] = useState<Schemas['Invitation'] | null>(null);
  const respond = useAction(async (verb: 'accept' | 'decline') => {
    const invitation = await unwrap(
      verb === 'accept'
        ? client.POST('/api/v1/invitations/accept-token', { body: { token } })
        : client.POST('/api/v1/invitations/decline-token', { body: { token } }),
    );
    setAnswered(invitation);
    return invitation;
  });

  if (!token) {
    return (
      <EmptyState icon="mail" title="This link has no invitation in it">
        Open the link from the invitation email again, or see your <Link to="/invitations">pending invitations</Link>.
      </EmptyState>
    );
  }
  return (
    <div className="main-narrow">
      <PageHeader title="Project invitation" breadcrumbs={[{ label: 'Invitations', to: '/invitations' }]} />
      <Card>
        {answered?.state === 'accepted' ? (
          <Banner
            tone="success"
            title={`You joined ${answered.project.name}`}
            actions={
              <ButtonLink to={`/projects/${answered.project.slug}`} variant="primary" size="sm">
                Open project
              </ButtonLink>
            }
          >
            You are now {answered.role === 'owner' ? 'an owner' : 'a member'} of the project.
          </Banner>
        ) : answered ? (
          <Banner tone="info" title={`You declined the invitation to ${answered.project.name}`} />
        ) : (
          <>
            <ErrorBanner error={respond.error} title="The invitation could not be answered" />
            <p style={{ marginBottom: 16 }}>
              You were invited to join a project on Surplus. You are signed in as <strong>{user?.email}</strong>; accepting adds this
              account to the project.
            </p>
            <div className="btn-row">
              <Button variant="primary" isLoading={respond.isRunning} onClick={() => void respond.run('accept')}>
                Accept invitation
              </Button>
              <Button disabled={respond.isRunning} onClick={() => void respond.run('decline')}>
                Decline
              </Button>
            </div>
          </>
        )}
      </Card>
    </div>
  );
}
