import { unwrap } from '@surplus/api-client';
import { useLocation } from 'react-router';
import { Banner, ErrorBanner } from '../../components/Banner.tsx';
import { Button } from '../../components/Button.tsx';
import { useToast } from '../../components/Toast.tsx';
import { type Action, useAction } from '../../hooks/use-action.ts';
import { useSession } from '../../session.tsx';

/** Sends the signed-in user a new verification link; the server limits how often. */
export function useResendVerification(): Action<void, { email: string; expires_at: string }> {
  const { client } = useSession();
  const toast = useToast();
  return useAction(async () => {
    const sent = await unwrap(client.POST('/api/v1/me/verify-email/resend'));
    toast.success(`Sent a new link to ${sent.email}.`);
    return sent;
  });
}

/**
 * Until someone follows the link sent to their address, Surplus cannot tell them from anyone who
 * typed that address at sign-up, so invitations to it wait. Shown on every page until then.
 */
export function VerifyEmailBanner() {
  const { user } = useSession();
  const location = useLocation();
  const resend = useResendVerification();
  // The invitations page explains it in its own words, next to the invitations it holds back.
  if (!user || user.email_verified || location.pathname === '/invitations') return null;
  return (
    <div className="page-banner">
      <Banner
        tone="warning"
        title="Verify your email address"
        actions={
          <Button size="sm" isLoading={resend.isRunning} onClick={() => void resend.run(undefined)}>
            Resend
          </Button>
        }
      >
        Surplus sent a link to <strong>{user.email}</strong>. Until you follow it, invitations sent to this address can only be accepted
        through the link in the invitation email.
      </Banner>
      <ErrorBanner error={resend.error} title="Could not send a new link" />
    </div>
  );
}
