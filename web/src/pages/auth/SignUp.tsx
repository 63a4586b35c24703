import { unwrap } from '@surplus/api-client';
import { type FormEvent, useState } from 'react';
import { Link, Navigate, useNavigate, useSearchParams } from 'react-router';
import { Banner, ErrorBanner } from '../../components/Banner.tsx';
import { Button } from '../../components/Button.tsx';
import { TextField } from '../../components/Field.tsx';
import { PageLoading } from '../../components/Loading.tsx';
import { useAction } from '../../hooks/use-action.ts';
import { useResource } from '../../hooks/use-resource.ts';
import { useSession } from '../../session.tsx';
import { AuthLayout, safeNext } from './AuthLayout.tsx';

const MIN_PASSWORD_LENGTH = 10;

export function SignUp() {
  const { client, state, start } = useSession();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const next = safeNext(params.get('next'));
  const [name, setName] = useState('');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const settings = useResource('auth-settings', () => unwrap(client.GET('/api/v1/auth/settings')));
  const signUp = useAction(async () => {
    const me = await unwrap(client.POST('/api/v1/auth/signup', { body: { name, email, password } }));
    start(me);
    navigate(next, { replace: true });
  }, ['name', 'email', 'password']);

  if (state.status === 'signed-in') return <Navigate to={next} replace />;
  const signInLink = `/login${next !== '/projects' ? `?next=${encodeURIComponent(next)}` : ''}`;
  const footer = (
    <>
      Already have an account? <Link to={signInLink}>Sign in</Link>
    </>
  );

  if (settings.isLoading) {
    return (
      <AuthLayout title="Create your account" footer={footer}>
        <PageLoading />
      </AuthLayout>
    );
  }
  if (settings.data && !settings.data.signup_open) {
    return (
      <AuthLayout title="Sign-up is closed" footer={footer}>
        <Banner tone="info" title="This Surplus does not take new sign-ups right now">
          Ask the program's administrators for an account, or sign in with single sign-on if your organisation uses it.
        </Banner>
      </AuthLayout>
    );
  }

  const submit = (event: FormEvent) => {
    event.preventDefault();
    void signUp.run(undefined);
  };
  return (
    <AuthLayout title="Create your account" footer={footer}>
      <ErrorBanner error={settings.error} />
      <ErrorBanner error={signUp.bannerError} title="Could not create the account" />
      <form className="form" onSubmit={submit} noValidate>
        <TextField
          label="Name"
          name="name"
          autoComplete="name"
          required
          value={name}
          onChange={(event) => setName(event.target.value)}
          error={signUp.fieldError('name')}
          autoFocus
        />
        <TextField
          label="Email"
          type="email"
          name="email"
          autoComplete="email"
          required
          value={email}
          onChange={(event) => setEmail(event.target.value)}
          error={signUp.fieldError('email')}
        />
        <TextField
          label="Password"
          type="password"
          name="password"
          autoComplete="new-password"
          required
          minLength={MIN_PASSWORD_LENGTH}
          value={password}
          onChange={(event) => setPassword(event.target.value)}
          error={signUp.fieldError('password')}
          hint={`At least ${MIN_PASSWORD_LENGTH} characters.`}
        />
        <Button type="submit" variant="primary" isBlock isLoading={signUp.isRunning}>
          Create account
        </Button>
      </form>
    </AuthLayout>
  );
}
