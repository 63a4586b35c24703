import { z } from 'zod';
import { signedIn } from '../http/context.ts';
import { AppError } from '../http/errors.ts';
import { type App, clearSessionCookie, setSessionCookie } from '../http/server.ts';
import {
  ApiToken,
  ApiTokenCreateBody,
  ApiTokenCreated,
  AuthSettings,
  AuthSettingsUpdateBody,
  EmailVerificationSent,
  EmailVerified,
  EmailVerifyBody,
  IdParam,
  LoginBody,
  PasswordChangeBody,
  Session,
  SignUpBody,
  User,
  UserListQuery,
  UserPage,
  UserUpdateBody,
} from './accounts.schemas.ts';
import type { AccountsService } from './accounts.service.ts';
import type { SsoService, SsoState } from './sso.ts';
import type { EmailVerificationService } from './verification.service.ts';

const SSO_COOKIE = 'surplus_sso';
const NoContent = z.null().describe('No content');

export type AccountsRouteOptions = {
  accounts: AccountsService;
  verification: EmailVerificationService;
  sso: SsoService;
  publicUrl: string;
  isSecureCookie: boolean;
};

export function accountsRoutes(app: App, { accounts, verification, sso, publicUrl, isSecureCookie }: AccountsRouteOptions) {
  const tags = ['accounts'];

  app.get(
    '/api/v1/auth/settings',
    { config: { policy: 'public' }, schema: { tags, operationId: 'getAuthSettings', response: { 200: AuthSettings } } },
    async () => ({
      signup_open: await accounts.isSignupOpen(),
      providers: { local: true, ...sso.providers },
    }),
  );

  app.put(
    '/api/v1/auth/settings',
    {
      config: { policy: 'admin' },
      schema: { tags, operationId: 'updateAuthSettings', body: AuthSettingsUpdateBody, response: { 200: AuthSettings } },
    },
    async (request) => {
      await accounts.setSignupOpen(request.ctx, request.body.signup_open);
      return { signup_open: request.body.signup_open, providers: { local: true, ...sso.providers } };
    },
  );

  app.post(
    '/api/v1/auth/signup',
    { config: { policy: 'public' }, schema: { tags, operationId: 'signUp', body: SignUpBody, response: { 201: Session } } },
    async (request, reply) => {
      const session = await accounts.signUp(request.ctx, request.body, request.ip);
      setSessionCookie(reply, session.secret, session.expiresAt, isSecureCookie);
      return reply.status(201).send({ user: session.user, identities: [], csrf_token: session.csrfToken, via: 'session' as const });
    },
  );

  app.post(
    '/api/v1/auth/login',
    { config: { policy: 'public' }, schema: { tags, operationId: 'login', body: LoginBody, response: { 200: Session } } },
    async (request, reply) => {
      const session = await accounts.login(request.ctx, request.body.email, request.body.password, request.ip);
      setSessionCookie(reply, session.secret, session.expiresAt, isSecureCookie);
      const me = await accounts.me(session.user.id);
      return { ...me, csrf_token: session.csrfToken, via: 'session' as const };
    },
  );

  app.post(
    '/api/v1/auth/logout',
    { config: { policy: 'user' }, schema: { tags, operationId: 'logout', response: { 204: NoContent } } },
    async (request, reply) => {
      await accounts.logout(request.ctx, request.auth?.sessionHash ?? null);
      clearSessionCookie(reply);
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/api/v1/me',
    { config: { policy: 'user' }, schema: { tags, operationId: 'getMe', response: { 200: Session } } },
    async (request) => {
      const actor = signedIn(request.ctx).actor;
      return { ...(await accounts.me(actor.userId)), csrf_token: request.auth?.csrfToken ?? null, via: actor.via };
    },
  );

  app.post(
    '/api/v1/auth/verify-email',
    {
      config: { policy: 'public' },
      schema: { tags, operationId: 'verifyEmail', body: EmailVerifyBody, response: { 200: EmailVerified } },
    },
    async (request) => verification.verify(request.ctx, request.body.token),
  );

  app.post(
    '/api/v1/me/verify-email/resend',
    { config: { policy: 'user' }, schema: { tags, operationId: 'resendEmailVerification', response: { 202: EmailVerificationSent } } },
    async (request, reply) => reply.status(202).send(await verification.resend(signedIn(request.ctx))),
  );

  app.post(
    '/api/v1/me/password',
    { config: { policy: 'user' }, schema: { tags, operationId: 'changePassword', body: PasswordChangeBody, response: { 204: NoContent } } },
    async (request, reply) => {
      await accounts.changePassword(signedIn(request.ctx), request.body, request.auth?.sessionHash ?? null);
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/api/v1/me/tokens',
    { config: { policy: 'user' }, schema: { tags, operationId: 'listTokens', response: { 200: z.object({ items: z.array(ApiToken) }) } } },
    async (request) => ({
      items: await accounts.listTokens(signedIn(request.ctx).actor),
    }),
  );

  app.post(
    '/api/v1/me/tokens',
    {
      config: { policy: 'user' },
      schema: { tags, operationId: 'createToken', body: ApiTokenCreateBody, response: { 201: ApiTokenCreated } },
    },
    async (request, reply) => reply.status(201).send(await accounts.createToken(signedIn(request.ctx), request.body)),
  );

  app.delete(
    '/api/v1/me/tokens/:id',
    { config: { policy: 'user' }, schema: { tags, operationId: 'revokeToken', params: IdParam, response: { 200: ApiToken } } },
    async (request) => accounts.revokeToken(signedIn(request.ctx), request.params.id),
  );

  app.get(
    '/api/v1/users',
    { config: { policy: 'admin' }, schema: { tags, operationId: 'listUsers', querystring: UserListQuery, response: { 200: UserPage } } },
    async (request) => accounts.listUsers(request.query),
  );

  app.get(
    '/api/v1/users/:id',
    { config: { policy: 'admin' }, schema: { tags, operationId: 'getUser', params: IdParam, response: { 200: User } } },
    async (request) => accounts.getUser(request.params.id),
  );

  app.patch(
    '/api/v1/users/:id',
    {
      config: { policy: 'admin' },
      schema: { tags, operationId: 'updateUser', params: IdParam, body: UserUpdateBody, response: { 200: User } },
    },
    async (request) => accounts.updateUser(signedIn(request.ctx), request.params.id, request.body),
  );

  const ProviderParam = z.object({ provider: z.enum(['oidc', 'github']) });
  const StartQuery = z.object({
    return_to: z.string().max(500).optional().describe('A path on this site to come back to.'),
    link: z.enum(['true', 'false']).optional().describe('Link the identity to the signed-in account.'),
  });

  app.get(
    '/api/v1/auth/:provider/start',
    { config: { policy: 'public' }, schema: { tags, operationId: 'startSso', params: ProviderParam, querystring: StartQuery } },
    async (request, reply) => {
      const returnTo =
        request.query.return_to?.startsWith('/') && !request.query.return_to.startsWith('//') ? request.query.return_to : '/';
      const isLink = request.query.link === 'true' && request.actor !== null;
      let started: Awaited<ReturnType<SsoService['start']>>;
      try {
        started = await sso.start(request.params.provider, callbackUrl(publicUrl, request.params.provider), returnTo, isLink);
      } catch (error) {
        // A browser followed a sign-in button here: show the reason on the sign-in page, not as JSON.
        if (!(error instanceof AppError)) throw error;
        return reply.redirect(loginError(error.message), 302);
      }
      const { url, state } = started;
      reply.setCookie(SSO_COOKIE, JSON.stringify(state), {
        path: '/api/v1/auth',
        httpOnly: true,
        sameSite: 'lax',
        secure: isSecureCookie,
        signed: true,
        maxAge: 600,
      });
      return reply.redirect(url, 302);
    },
  );

  app.get(
    '/api/v1/auth/:provider/callback',
    { config: { policy: 'public' }, schema: { tags, operationId: 'finishSso', params: ProviderParam } },
    async (request, reply) => {
      const raw = request.cookies[SSO_COOKIE];
      const unsigned = raw ? request.unsignCookie(raw) : undefined;
      reply.clearCookie(SSO_COOKIE, { path: '/api/v1/auth' });
      if (!unsigned?.valid || !unsigned.value)
        return reply.redirect(loginError('The sign-in took too long or was started elsewhere; try again.'), 302);
      const saved = JSON.parse(unsigned.value) as SsoState;
      const url = new URL(request.url, callbackUrl(publicUrl, request.params.provider));
      try {
        const profile = await sso.finish(request.params.provider, url, saved);
        const session = await accounts.ssoSignIn(request.ctx, profile, saved.link ? (request.actor?.userId ?? null) : null);
        // The new session replaces the browser's old one rather than leaving it valid until it expires.
        await accounts.discardSession(request.auth?.sessionHash ?? null);
        setSessionCookie(reply, session.secret, session.expiresAt, isSecureCookie);
        return reply.redirect(saved.returnTo, 302);
      } catch (error) {
        if (!(error instanceof AppError)) throw error;
        return reply.redirect(loginError(error.message), 302);
      }
    },
  );
}

function loginError(message: string) {
  return `/login?error=${encodeURIComponent(message)}`;
}

function callbackUrl(publicUrl: string, provider: string) {
  return new URL(`/api/v1/auth/${provider}/callback`, publicUrl).href;
}
