import { ApiError, type Schemas, unwrap } from '@surplus/api-client';
import { useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { Banner, ErrorBanner } from '../../components/Banner.tsx';
import { Button, ButtonLink } from '../../components/Button.tsx';
import { useAction } from '../../hooks/use-action.ts';
import { useSession } from '../../session.tsx';
import { AuthLayout } from './AuthLayout.tsx';
import { useResendVerification } from './VerifyEmailBanner.tsx';

/**
 * Where the verification email's link lands, signed in or not: holding the link is the proof. It
 * verifies only on a click, never on load — mail scanners open links too, and one opening a link
 * sent to someone who never signed up would vouch for whoever typed their address.
 */
export function VerifyEmail() {
  const { client, user, refresh } = useSession();
  const [params] = useSearchParams();
  const token = params.get('token') ?? '';
  const [verified, setVerified] = useState<Schemas['EmailVerified'] | null>(null);
  const verify = useAction(async () => {
    const answer = await unwrap(client.POST('/api/v1/auth/verify-email', { body: { token } }));
    setVerified(answer);
    if (user) await refresh();
    return answer;
  });
  const resend = useResendVerification();
  const isExpired = verify.error instanceof ApiError && verify.error.code === 'ERR_VERIFICATION_EXPIRED';
  const canResend = user !== null && !user.email_verified && !verified;

  return (
    <AuthLayout
      title="Verify your email address"
      footer={user ? <Link to="/projects">Back to Surplus</Link> : <Link to="/login">Sign in</Link>}
    >
      {verified ? (
        <>
          <Banner tone="success" title="Your email address is verified">
            <strong>{verified.email}</strong> is yours on Surplus: invitations sent to it can now be accepted from the Invitations page.
          </Banner>
          {user ? (
            <div style={{ marginTop: 16 }}>
              <ButtonLink to="/invitations" variant="primary" isBlock>
                See invitations
              </ButtonLink>
            </div>
          ) : null}
        </>
      ) : !token ? (
        <Banner tone="info" title="This link has no verification token in it">
          Open the link from the verification email again{canResend ? ', or send a new one' : ''}.
        </Banner>
      ) : (
        <>
          <ErrorBanner error={verify.error} title={isExpired ? 'This link has expired' : 'The address could not be verified'} />
          <p style={{ marginBottom: 16 }}>
            Confirm that you read mail at the address this link was sent to. If you did not create an account on Surplus, close this page.
          </p>
          <Button variant="primary" isBlock isLoading={verify.isRunning} onClick={() => void verify.run(undefined)}>
            Verify email address
          </Button>
        </>
      )}
      {canResend && (!token || verify.error) ? (
        <div style={{ marginTop: 16 }}>
          <ErrorBanner error={resend.error} title="Could not send a new link" />
          <Button isBlock isLoading={resend.isRunning} onClick={() => void resend.run(undefined)}>
            Send a new link to {user?.email}
          </Button>
        </div>
      ) : null}
    </AuthLayout>
  );
}
