import { unwrap } from '@surplus/api-client';
import { useState } from 'react';
import { Badge } from '../../components/Badge.tsx';
import { ErrorBanner } from '../../components/Banner.tsx';
import { Card } from '../../components/Card.tsx';
import { Switch } from '../../components/Field.tsx';
import { PageLoading } from '../../components/Loading.tsx';
import { PageHeader } from '../../components/PageHeader.tsx';
import { useToast } from '../../components/Toast.tsx';
import { useAction } from '../../hooks/use-action.ts';
import { useResource } from '../../hooks/use-resource.ts';
import { useSession } from '../../session.tsx';

export function AdminSettings() {
  const { client } = useSession();
  const toast = useToast();
  const settings = useResource('auth-settings', () => unwrap(client.GET('/api/v1/auth/settings')));
  // The switch moves at once and goes back if the server refuses, instead of lagging behind the click.
  const [pendingSignup, setPendingSignup] = useState<boolean | null>(null);
  const setSignup = useAction(async (isOpen: boolean) => {
    setPendingSignup(isOpen);
    try {
      const updated = await unwrap(client.PUT('/api/v1/auth/settings', { body: { signup_open: isOpen } }));
      settings.setData(() => updated);
      toast.success(updated.signup_open ? 'Sign-up is open.' : 'Sign-up is closed.');
    } finally {
      setPendingSignup(null);
    }
  });

  return (
    <div className="main-narrow">
      <PageHeader title="Settings" description="How people get into this Surplus." />
      {settings.isLoading ? <PageLoading /> : null}
      <ErrorBanner error={settings.error} onRetry={settings.reload} />
      {settings.data ? (
        <>
          <Card title="Sign-up">
            <ErrorBanner error={setSignup.error} title="The setting was not saved" />
            <Switch
              label="Anyone can create an account"
              hint="When closed, the sign-up page says so; admins still create accounts and single sign-on still works for linked identities."
              checked={pendingSignup ?? settings.data.signup_open}
              disabled={setSignup.isRunning}
              onChange={(event) => void setSignup.run(event.target.checked)}
            />
          </Card>
          <Card
            title="Single sign-on"
            description="Configured with environment variables when the server starts; see the configuration reference in docs/."
          >
            <dl className="dl">
              <div>
                <dt>OpenID Connect</dt>
                <dd>
                  {settings.data.providers.oidc ? (
                    <Badge tone="green">Configured: {settings.data.providers.oidc.name}</Badge>
                  ) : (
                    <Badge>Not configured</Badge>
                  )}
                </dd>
              </div>
              <div>
                <dt>GitHub</dt>
                <dd>{settings.data.providers.github ? <Badge tone="green">Configured</Badge> : <Badge>Not configured</Badge>}</dd>
              </div>
            </dl>
          </Card>
        </>
      ) : null}
    </div>
  );
}
