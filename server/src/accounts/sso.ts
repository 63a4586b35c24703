import * as oidc from 'openid-client';
import { AppError } from '../http/errors.ts';
import type { SsoProfile } from './accounts.service.ts';

export type OidcSettings = { issuerUrl: string; clientId: string; clientSecret: string; displayName: string };
export type GithubSettings = { clientId: string; clientSecret: string; webUrl: string; apiUrl: string };

/** What must survive the round trip through the provider; kept in a signed, short-lived cookie. */
export type SsoState = { state: string; nonce: string; verifier: string; returnTo: string; link: boolean };

/**
 * Single sign-on against an OpenID Connect issuer (discovered from its URL) and GitHub OAuth. Both end
 * in an SsoProfile that AccountsService turns into a session.
 */
export class SsoService {
  private readonly oidcSettings: OidcSettings | null;
  private readonly github: GithubSettings | null;
  private oidcConfig: Promise<oidc.Configuration> | null = null;

  constructor(settings: { oidc: OidcSettings | null; github: GithubSettings | null }) {
    this.oidcSettings = settings.oidc;
    this.github = settings.github;
  }

  get providers() {
    return { oidc: this.oidcSettings ? { name: this.oidcSettings.displayName } : null, github: this.github !== null };
  }

  async start(
    provider: 'oidc' | 'github',
    redirectUri: string,
    returnTo: string,
    link: boolean,
  ): Promise<{ url: string; state: SsoState }> {
    const state: SsoState = {
      state: oidc.randomState(),
      nonce: oidc.randomNonce(),
      verifier: oidc.randomPKCECodeVerifier(),
      returnTo,
      link,
    };
    if (provider === 'oidc') {
      const config = await this.oidc();
      const url = oidc.buildAuthorizationUrl(config, {
        redirect_uri: redirectUri,
        scope: 'openid email profile',
        state: state.state,
        nonce: state.nonce,
        code_challenge: await oidc.calculatePKCECodeChallenge(state.verifier),
        code_challenge_method: 'S256',
      });
      return { url: url.href, state };
    }
    const github = this.requireGithub();
    const url = new URL('login/oauth/authorize', withSlash(github.webUrl));
    url.search = new URLSearchParams({
      client_id: github.clientId,
      redirect_uri: redirectUri,
      scope: 'read:user user:email',
      state: state.state,
    }).toString();
    return { url: url.href, state };
  }

  async finish(provider: 'oidc' | 'github', callbackUrl: URL, saved: SsoState): Promise<SsoProfile> {
    if (callbackUrl.searchParams.get('state') !== saved.state)
      throw new AppError('ERR_SSO_FAILED', 'The sign-in state does not match; start again.');
    const providerError = callbackUrl.searchParams.get('error');
    if (providerError) throw new AppError('ERR_SSO_FAILED', `The identity provider refused: ${providerError}.`);
    if (provider === 'oidc') {
      const config = await this.oidc();
      try {
        const tokens = await oidc.authorizationCodeGrant(config, callbackUrl, {
          pkceCodeVerifier: saved.verifier,
          expectedState: saved.state,
          expectedNonce: saved.nonce,
        });
        const claims = tokens.claims();
        if (!claims) throw new Error('no ID token');
        let profile: Record<string, unknown> = { ...claims };
        if (!claims.email) profile = { ...profile, ...(await oidc.fetchUserInfo(config, tokens.access_token, claims.sub)) };
        return {
          provider: 'oidc',
          subject: `${new URL(this.oidcSettings?.issuerUrl ?? '').href}#${claims.sub}`,
          email: typeof profile.email === 'string' ? profile.email : null,
          isEmailVerified: profile.email_verified === true,
          name: typeof profile.name === 'string' ? profile.name : null,
          login: typeof profile.preferred_username === 'string' ? profile.preferred_username : null,
        };
      } catch (error) {
        if (error instanceof AppError) throw error;
        throw new AppError('ERR_SSO_FAILED', `Single sign-on failed: ${(error as Error).message}`);
      }
    }
    try {
      return await this.finishGithub(callbackUrl);
    } catch (error) {
      if (error instanceof AppError) throw error;
      throw new AppError('ERR_SSO_FAILED', `Cannot complete the GitHub sign-in: ${(error as Error).message}`);
    }
  }

  private async finishGithub(callbackUrl: URL): Promise<SsoProfile> {
    const github = this.requireGithub();
    const code = callbackUrl.searchParams.get('code');
    if (!code) throw new AppError('ERR_SSO_FAILED', 'GitHub sent no code.');
    // The redirect URI sent to the authorize page, repeated as OAuth requires when one was sent.
    const redirectUri = `${callbackUrl.origin}${callbackUrl.pathname}`;
    const tokenResponse = await fetch(new URL('login/oauth/access_token', withSlash(github.webUrl)), {
      method: 'POST',
      headers: { accept: 'application/json', 'content-type': 'application/json' },
      body: JSON.stringify({ client_id: github.clientId, client_secret: github.clientSecret, code, redirect_uri: redirectUri }),
      signal: AbortSignal.timeout(10_000),
    });
    const token = (await tokenResponse.json().catch(() => ({}))) as { access_token?: string; error_description?: string };
    if (!token.access_token)
      throw new AppError('ERR_SSO_FAILED', `GitHub refused the code: ${token.error_description ?? tokenResponse.status}.`);
    const headers = { authorization: `Bearer ${token.access_token}`, accept: 'application/vnd.github+json', 'user-agent': 'surplus' };
    const userResponse = await fetch(new URL('user', withSlash(github.apiUrl)), { headers, signal: AbortSignal.timeout(10_000) });
    if (!userResponse.ok) throw new AppError('ERR_SSO_FAILED', `GitHub answered ${userResponse.status} for the user.`);
    const user = (await userResponse.json()) as { id: number; login: string; name: string | null; email: string | null };
    let email = user.email;
    let isEmailVerified = false;
    const emailsResponse = await fetch(new URL('user/emails', withSlash(github.apiUrl)), { headers, signal: AbortSignal.timeout(10_000) });
    if (emailsResponse.ok) {
      const emails = (await emailsResponse.json()) as { email: string; primary: boolean; verified: boolean }[];
      const primary = emails.find((entry) => entry.primary && entry.verified) ?? emails.find((entry) => entry.verified);
      if (primary) {
        email = primary.email;
        isEmailVerified = true;
      }
    }
    return { provider: 'github', subject: String(user.id), email, isEmailVerified, name: user.name, login: user.login };
  }

  private oidc(): Promise<oidc.Configuration> {
    const settings = this.oidcSettings;
    if (!settings) throw new AppError('ERR_NOT_CONFIGURED', 'OpenID Connect is not configured.');
    if (!this.oidcConfig) {
      const issuer = new URL(settings.issuerUrl);
      // Plain HTTP only for an issuer on this machine (development and tests); anything else needs TLS.
      const isLoopback = ['localhost', '127.0.0.1', '[::1]'].includes(issuer.hostname);
      this.oidcConfig = oidc
        .discovery(
          issuer,
          settings.clientId,
          settings.clientSecret,
          undefined,
          isLoopback ? { execute: [oidc.allowInsecureRequests] } : undefined,
        )
        .catch((error: Error) => {
          this.oidcConfig = null;
          throw new AppError('ERR_SSO_FAILED', `Cannot reach the OpenID Connect issuer: ${error.message}`);
        });
    }
    return this.oidcConfig;
  }

  private requireGithub(): GithubSettings {
    if (!this.github) throw new AppError('ERR_NOT_CONFIGURED', 'GitHub sign-in is not configured.');
    return this.github;
  }
}

function withSlash(url: string) {
  return url.endsWith('/') ? url : `${url}/`;
}
