import { unwrap } from '@surplus/api-client';
import { type FormEvent, useState } from 'react';
import { Avatar } from '../../components/Avatar.tsx';
import { Badge, RoleBadge } from '../../components/Badge.tsx';
import { ErrorBanner } from '../../components/Banner.tsx';
import { Button, ButtonAnchor } from '../../components/Button.tsx';
import { Card } from '../../components/Card.tsx';
import { EmptyState } from '../../components/EmptyState.tsx';
import { TextField } from '../../components/Field.tsx';
import { Icon } from '../../components/Icon.tsx';
import { Time } from '../../components/Time.tsx';
import { useToast } from '../../components/Toast.tsx';
import { useAction } from '../../hooks/use-action.ts';
import { useResource } from '../../hooks/use-resource.ts';
import { type Me, useSession } from '../../session.tsx';

const PROVIDER_NAMES = { github: 'GitHub', oidc: 'Single sign-on' } as const;

function Identities({ me }: { me: Me }) {
  const { client } = useSession();
  const settings = useResource('auth-settings', () => unwrap(client.GET('/api/v1/auth/settings')));
  const providers = settings.data?.providers;
  const linkTo = (provider: 'github' | 'oidc') => `/api/v1/auth/${provider}/start?link=true&return_to=${encodeURIComponent('/profile')}`;
  const isLinked = (provider: 'github' | 'oidc') => me.identities.some((identity) => identity.provider === provider);
  const canLinkGithub = providers?.github && !isLinked('github');
  const canLinkOidc = providers?.oidc && !isLinked('oidc');
  return (
    <Card
      title="Linked sign-in identities"
      description="Sign in with any of these instead of a password."
      actions={
        <>
          {canLinkGithub ? (
            <ButtonAnchor size="sm" href={linkTo('github')}>
              <Icon name="link" size={14} />
              Link GitHub
            </ButtonAnchor>
          ) : null}
          {canLinkOidc ? (
            <ButtonAnchor size="sm" href={linkTo('oidc')}>
              <Icon name="link" size={14} />
              Link {providers?.oidc?.name}
            </ButtonAnchor>
          ) : null}
        </>
      }
      isFlush
    >
      {me.identities.length === 0 ? (
        <EmptyState icon="link" title="No linked identities">
          {providers?.github || providers?.oidc
            ? 'Link an identity to sign in without your password.'
            : 'Single sign-on is not configured on this Surplus.'}
        </EmptyState>
      ) : (
        <table className="table" aria-label="Linked identities">
          <thead>
            <tr>
              <th scope="col">Provider</th>
              <th scope="col">Login</th>
              <th scope="col">Email</th>
              <th scope="col">Linked</th>
            </tr>
          </thead>
          <tbody>
            {me.identities.map((identity) => (
              <tr key={`${identity.provider}:${identity.login ?? identity.email ?? identity.created_at}`}>
                <td className="cell-title">
                  {identity.provider === 'oidc' && providers?.oidc ? providers.oidc.name : PROVIDER_NAMES[identity.provider]}
                </td>
                <td>{identity.login ?? '—'}</td>
                <td>{identity.email ?? '—'}</td>
                <td>
                  <Time iso={identity.created_at} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Card>
  );
}

function PasswordCard({ hasPassword }: { hasPassword: boolean }) {
  const { client, refresh, user } = useSession();
  const toast = useToast();
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [repeat, setRepeat] = useState('');
  const [mismatch, setMismatch] = useState<string | undefined>(undefined);
  const change = useAction(async () => {
    await unwrap(
      client.POST('/api/v1/me/password', {
        body: { new_password: next, ...(hasPassword ? { current_password: current } : {}) },
      }),
    );
    setCurrent('');
    setNext('');
    setRepeat('');
    toast.success(hasPassword ? 'Password changed. Other sessions were signed out.' : 'Password set.');
    await refresh();
  }, ['current_password', 'new_password']);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (next !== repeat) {
      setMismatch('does not match the new password');
      return;
    }
    setMismatch(undefined);
    void change.run(undefined);
  };
  return (
    <Card
      title={hasPassword ? 'Change password' : 'Set a password'}
      description={hasPassword ? 'Changing it signs out your other sessions.' : 'You sign in with single sign-on; a password is optional.'}
    >
      <ErrorBanner error={change.bannerError} title="The password was not changed" />
      <form className="form" onSubmit={submit} noValidate aria-label="Password">
        {/* Lets password managers tie the new password to this account. */}
        <input type="text" name="username" autoComplete="username" value={user?.email ?? ''} hidden readOnly />
        {hasPassword ? (
          <TextField
            label="Current password"
            type="password"
            autoComplete="current-password"
            value={current}
            onChange={(event) => setCurrent(event.target.value)}
            error={change.fieldError('current_password')}
          />
        ) : null}
        <div className="form-row">
          <TextField
            label="New password"
            type="password"
            autoComplete="new-password"
            value={next}
            onChange={(event) => setNext(event.target.value)}
            error={change.fieldError('new_password')}
            hint="At least 10 characters."
          />
          <TextField
            label="Repeat new password"
            type="password"
            autoComplete="new-password"
            value={repeat}
            onChange={(event) => setRepeat(event.target.value)}
            error={mismatch}
          />
        </div>
        <div>
          <Button type="submit" variant="primary" isLoading={change.isRunning}>
            {hasPassword ? 'Change password' : 'Set password'}
          </Button>
        </div>
      </form>
    </Card>
  );
}

export function ProfileAccount() {
  const { me } = useSession();
  if (!me) return null;
  const { user } = me;
  return (
    <>
      <Card title="Account">
        <div className="project-title" style={{ alignItems: 'flex-start' }}>
          <Avatar name={user.name} isLarge />
          <dl className="dl" style={{ gridTemplateColumns: 'repeat(2, minmax(0, 1fr))', flex: 1 }}>
            <div>
              <dt>Name</dt>
              <dd className="cell-title">{user.name}</dd>
            </div>
            <div>
              <dt>Email</dt>
              <dd>{user.email}</dd>
            </div>
            <div>
              <dt>GitHub login</dt>
              <dd>{user.github_login ? `@${user.github_login}` : <span className="muted">Not linked</span>}</dd>
            </div>
            <div>
              <dt>Program roles</dt>
              <dd>
                {user.roles.length ? (
                  <span className="badges">
                    {user.roles.map((role) => (
                      <RoleBadge key={role} role={role} />
                    ))}
                  </span>
                ) : (
                  <Badge>none</Badge>
                )}
              </dd>
            </div>
            <div>
              <dt>Member since</dt>
              <dd>
                <Time iso={user.created_at} format="date" />
              </dd>
            </div>
          </dl>
        </div>
      </Card>
      <Identities me={me} />
      <PasswordCard hasPassword={user.has_password} />
    </>
  );
}
