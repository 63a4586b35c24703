import { hostname } from 'node:os';
import { type Client, type Schemas, unwrap } from '@surplus/api-client';
import type { Command } from 'commander';
import { type Context, connect, normalizeUrl, openClient, readConfig, removeConfig, type StoredConfig, writeConfig } from '../config.ts';
import { usageError } from '../output.ts';

type LoginOptions = { url: string; token?: string; email?: string; password?: string; json?: boolean };

export function registerAccountCommands(program: Command, ctx: Context) {
  program
    .command('login')
    .description('sign in to a Surplus and save an API token in the config file')
    .requiredOption('--url <url>', 'the Surplus address, e.g. https://surplus.example.org')
    .option('--token <token>', 'an API token (sps_…) made in the web UI; "-" reads it from stdin')
    .option('--email <email>', 'sign in with email and password instead; a new API token is made and stored')
    .option('--password <password>', 'with --email; "-" reads it from stdin, which keeps it out of the process list')
    .option('--json', 'print the API’s JSON')
    .addHelpText(
      'after',
      '\nExamples:\n  surplus login --url https://surplus.example.org --token sps_…\n  surplus login --url http://127.0.0.1:8080 --email ada@example.org --password -',
    )
    .action(async (options: LoginOptions) => {
      const url = normalizeUrl(options.url);
      if ((options.token === undefined) === (options.email === undefined))
        throw usageError('give either --token, or --email and --password');
      if (options.email !== undefined && options.password === undefined)
        throw usageError('--email needs --password (or --password - to read it from stdin)');
      const stored: StoredConfig =
        options.token !== undefined
          ? { url, token: await secret(ctx, options.token) }
          : await signInWithPassword(ctx, url, options.email as string, await secret(ctx, options.password as string));
      // Read back with the stored token: proves it works before anyone relies on it.
      const me = await unwrap(openClient(ctx, url, stored.token).GET('/api/v1/me'));
      await writeConfig(ctx.configPath, { ...stored, email: me.user.email }, ctx.env);
      if (options.json) return ctx.out.json(me);
      ctx.out.line(`Signed in to ${url} as ${me.user.name} <${me.user.email}>.`);
      ctx.out.note(`Token saved in ${ctx.configPath}.`);
    });

  program
    .command('logout')
    .description('revoke the stored API token (when the server can be reached) and forget it')
    .option('--json', 'print the revoked token as JSON')
    .action(async (options: { json?: boolean }) => {
      const stored = await readConfig(ctx.configPath);
      let revoked: Schemas['ApiToken'] | null = null;
      if (stored) {
        try {
          revoked = await revokeStoredToken(openClient(ctx, stored.url, stored.token), stored);
        } catch (error) {
          ctx.out.note(`warning: could not revoke the token (${(error as Error).message}); revoke it in the web UI.`);
        }
        await removeConfig(ctx.configPath);
      }
      if (options.json) return ctx.out.json({ revoked_token: revoked, config_path: ctx.configPath });
      if (!stored) return ctx.out.line('Not signed in; nothing to do.');
      ctx.out.line(`Signed out of ${stored.url}${revoked ? `; token ${revoked.prefix}… revoked` : ''}.`);
    });

  program
    .command('whoami')
    .description('show who the CLI is signed in as')
    .option('--json', 'print the API’s JSON')
    .action(async (options: { json?: boolean }) => {
      const { client, session } = await connect(ctx);
      const me = await unwrap(client.GET('/api/v1/me'));
      if (options.json) return ctx.out.json(me);
      ctx.out.fields([
        ['Name', me.user.name],
        ['Email', me.user.email],
        ['Roles', me.user.roles.length ? me.user.roles.join(', ') : null],
        ['GitHub', me.user.github_login],
        ['Surplus', session.url],
        ['Token', session.tokenSource === 'environment' ? 'from SURPLUS_TOKEN' : `from ${ctx.configPath}`],
      ]);
    });
}

async function secret(ctx: Context, value: string): Promise<string> {
  if (value !== '-') return value;
  const text = (await ctx.readStdin()).split('\n')[0]?.trim() ?? '';
  if (!text) throw usageError('expected the secret on stdin, got nothing');
  return text;
}

/**
 * Signs in with the session cookie only long enough to make an API token, then ends the session:
 * the config keeps a token that can be listed and revoked, never the password.
 */
async function signInWithPassword(ctx: Context, url: string, email: string, password: string): Promise<StoredConfig> {
  const client = openClient(ctx, url);
  const login = await client.POST('/api/v1/auth/login', { body: { email, password } });
  const session = await unwrap(Promise.resolve(login));
  const cookie = login.response.headers
    .getSetCookie()
    .map((header) => header.split(';')[0])
    .join('; ');
  if (!cookie) throw new Error(`${url} signed in but set no session cookie`);
  const headers = { cookie, 'x-csrf-token': session.csrf_token ?? '' };
  const created = await unwrap(client.POST('/api/v1/me/tokens', { body: { name: `cli on ${hostname()}` }, headers }));
  await client.POST('/api/v1/auth/logout', { headers }).catch(() => undefined);
  return { url, token: created.secret, token_id: created.token.id };
}

/** Tokens logged in with --token have no stored id; the 10-character prefix the API shows finds it. */
async function revokeStoredToken(client: Client, stored: StoredConfig): Promise<Schemas['ApiToken'] | null> {
  let id = stored.token_id;
  if (!id) {
    const { items } = await unwrap(client.GET('/api/v1/me/tokens'));
    id = items.find((token) => token.revoked_at === null && stored.token.startsWith(token.prefix))?.id;
  }
  if (!id) return null;
  return unwrap(client.DELETE('/api/v1/me/tokens/{id}', { params: { path: { id } } }));
}
