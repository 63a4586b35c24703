import { unwrap } from '@surplus/api-client';
import { type FormEvent, useState } from 'react';
import { Link, Navigate, useNavigate, useSearchParams } from 'react-router';
import { Banner, ErrorBanner } from '../../components/Banner.tsx';
import { Button, ButtonAnchor } from '../../components/Button.tsx';
import { TextField } from '../../components/Field.tsx';
import { Icon } from '../../components/Icon.tsx';
import { useAction } from '../../hooks/use-action.ts';
import { useResource } from '../../hooks/use-resource.ts';
import { useSession } from '../../session.tsx';
import { AuthLayout, safeNext } from './AuthLayout.tsx';

export function SignIn() {
  const { client, state, start } = useSession();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const next = safeNext(params.get('next'));
  const ssoError = params.get('error');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const settings = useResource('auth-settings', () => unwrap(client.GET('/api/v1/auth/settings')));
  const login = useAction(async () => {
    const me = await unwrap(client.POST('/api/v1/auth/login', { body: { email, password } }));
    start(me);
    navigate(next, { replace: true });
  }, ['email', 'password']);

  if (state.status === 'signed-in') return <Navigate to={next} replace />;

  const providers = settings.data?.providers;
  const returnTo = encodeURIComponent(next);
  const hasSso = Boolean(providers?.oidc || providers?.github);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void login.run(undefined);
  };

  return (
    <AuthLayout
      title="Sign in to Surplus"
      footer={
        settings.data?.signup_open ? (
          <>
            New to Surplus? <Link to={`/signup${next !== '/projects' ? `?next=${returnTo}` : ''}`}>Create an account</Link>
          </>
        ) : (
          <span className="muted">
            Browse the <Link to="/directory">public project directory</Link>
          </span>
        )
      }
    >
      {ssoError ? (
        <Banner tone="error" title="Single sign-on did not complete">
          {ssoError}
        </Banner>
      ) : null}
      {params.get('expired') ? <Banner tone="info">Your session has ended. Sign in again to continue.</Banner> : null}
      <ErrorBanner error={login.bannerError} title="Could not sign in" />
      <form className="form" onSubmit={submit} noValidate>
        <TextField
          label="Email"
          type="email"
          name="email"
          autoComplete="username"
          required
          value={email}
          onChange={(event) => setEmail(event.target.value)}
          error={login.fieldError('email')}
          autoFocus
        />
        <TextField
          label="Password"
          type="password"
          name="password"
          autoComplete="current-password"
          required
          value={password}
          onChange={(event) => setPassword(event.target.value)}
          error={login.fieldError('password')}
        />
        <Button type="submit" variant="primary" isBlock isLoading={login.isRunning}>
          Sign in
        </Button>
      </form>
      {hasSso ? (
        <>
          <div className="divider">or</div>
          <div className="sso-buttons">
            {providers?.oidc ? (
              <ButtonAnchor isBlock href={`/api/v1/auth/oidc/start?return_to=${returnTo}`}>
                <Icon name="shield" />
                Continue with {providers.oidc.name}
              </ButtonAnchor>
            ) : null}
            {providers?.github ? (
              <ButtonAnchor isBlock href={`/api/v1/auth/github/start?return_to=${returnTo}`}>
                <Icon name="repo" />
                Continue with GitHub
              </ButtonAnchor>
            ) : null}
          </div>
        </>
      ) : null}
    </AuthLayout>
  );
}
