import { type Client, type Schemas, unwrap } from '@surplus/api-client';
import type { Command } from 'commander';
import { type Context, connect } from '../config.ts';
import { notFoundError, positiveInteger, relativeTime, usageError } from '../output.ts';

type ApiToken = Schemas['ApiToken'];

export function registerTokenCommands(program: Command, ctx: Context) {
  const tokens = program.command('tokens').description('API tokens for scripts and CI');

  tokens
    .command('create')
    .description('create an API token; its secret is shown once')
    .requiredOption('--name <name>', 'what the token is for, e.g. "ci"')
    .option('--expires-in-days <days>', 'make it expire (default: never)', positiveInteger)
    .option('--json', 'print the API’s JSON: { token, secret }')
    .action(async (options: { name: string; expiresInDays?: number; json?: boolean }) => {
      const { client } = await connect(ctx);
      const created = await unwrap(
        client.POST('/api/v1/me/tokens', { body: { name: options.name, expires_in_days: options.expiresInDays } }),
      );
      if (options.json) return ctx.out.json(created);
      // The secret alone goes to stdout so that TOKEN=$(surplus tokens create --name ci) captures just it.
      ctx.out.line(created.secret);
      const expiry = created.token.expires_at ? `expires ${relativeTime(created.token.expires_at)}` : 'does not expire';
      ctx.out.note(`Token "${created.token.name}" created (id ${created.token.id}, ${expiry}). Copy it now: Surplus never shows it again.`);
    });

  tokens
    .command('list')
    .description('list your API tokens')
    .option('--json', 'print the API’s JSON: { items }')
    .action(async (options: { json?: boolean }) => {
      const { client, session } = await connect(ctx);
      const list = await unwrap(client.GET('/api/v1/me/tokens'));
      if (options.json) return ctx.out.json(list);
      const { colours } = ctx.out;
      ctx.out.table(
        list.items,
        [
          { header: 'ID', value: (t) => t.id },
          { header: 'NAME', value: (t) => t.name },
          { header: 'PREFIX', value: (t) => `${t.prefix}…` },
          { header: 'CREATED', value: (t) => relativeTime(t.created_at) },
          { header: 'LAST USED', value: (t) => (t.last_used_at ? relativeTime(t.last_used_at) : 'never') },
          { header: 'EXPIRES', value: (t) => (t.expires_at ? relativeTime(t.expires_at) : 'never') },
          {
            header: 'STATE',
            value: (t) => state(t) + (t.revoked_at === null && session.token.startsWith(t.prefix) ? ' (this CLI)' : ''),
            style: (text, t) => (state(t) === 'active' ? colours.green(text) : colours.dim(text)),
          },
        ],
        'No API tokens.',
      );
    });

  tokens
    .command('revoke')
    .description('revoke an API token; anything using it stops working')
    .argument('<token>', 'its id or prefix (see `surplus tokens list`)')
    .option('--json', 'print the API’s JSON')
    .action(async (which: string, options: { json?: boolean }) => {
      const { client, session } = await connect(ctx);
      const id = UUID.test(which) ? which : await idForPrefix(client, which);
      const token = await unwrap(client.DELETE('/api/v1/me/tokens/{id}', { params: { path: { id } } }));
      if (options.json) return ctx.out.json(token);
      ctx.out.line(`Revoked token "${token.name}" (${token.prefix}…).`);
      if (session.token.startsWith(token.prefix)) ctx.out.note('That was the token this CLI uses; sign in again with `surplus login`.');
    });
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

async function idForPrefix(client: Client, prefix: string): Promise<string> {
  const wanted = prefix.replace(/…$/, '');
  const { items } = await unwrap(client.GET('/api/v1/me/tokens'));
  const matches = items.filter((t) => t.revoked_at === null && (t.prefix.startsWith(wanted) || wanted.startsWith(t.prefix)));
  if (matches.length === 0) throw notFoundError(`you have no active token ${prefix}`);
  if (matches.length > 1) throw usageError(`${prefix} matches ${matches.length} tokens; give the id`);
  return (matches[0] as ApiToken).id;
}

function state(token: ApiToken, nowMs = Date.now()): 'active' | 'revoked' | 'expired' {
  if (token.revoked_at !== null) return 'revoked';
  if (token.expires_at !== null && Date.parse(token.expires_at) <= nowMs) return 'expired';
  return 'active';
}
