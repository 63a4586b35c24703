import { readFile } from 'node:fs/promises';
import { type Schemas, unwrap } from '@surplus/api-client';
import type { Command } from 'commander';
import { type Context, connect } from '../config.ts';
import { notFoundError, relativeTime, usageError } from '../output.ts';

type SshKey = Schemas['SshKey'];

export function registerKeyCommands(program: Command, ctx: Context) {
  const keys = program.command('keys').description('your SSH public keys, installed on servers you get');

  keys
    .command('add')
    .description('add an OpenSSH public key (ed25519, ecdsa, or rsa of 2048 bits or more)')
    .argument('<file>', 'a public key file such as ~/.ssh/id_ed25519.pub, or - for stdin')
    .option('--label <label>', 'a name for the key (default: the key’s comment)')
    .option('--json', 'print the API’s JSON')
    .action(async (file: string, options: { label?: string; json?: boolean }) => {
      const publicKey = await readPublicKey(ctx, file);
      const { client } = await connect(ctx);
      const key = await unwrap(client.POST('/api/v1/me/ssh-keys', { body: { public_key: publicKey, label: options.label } }));
      if (options.json) return ctx.out.json(key);
      ctx.out.line(`Added ${key.type} key "${key.label}" ${key.fingerprint} (id ${key.id}).`);
    });

  keys
    .command('list')
    .description('list your SSH keys')
    .option('--json', 'print the API’s JSON: { items }')
    .action(async (options: { json?: boolean }) => {
      const { client } = await connect(ctx);
      const list = await unwrap(client.GET('/api/v1/me/ssh-keys'));
      if (options.json) return ctx.out.json(list);
      ctx.out.table(
        list.items,
        [
          { header: 'ID', value: (k) => k.id },
          { header: 'LABEL', value: (k) => k.label },
          { header: 'TYPE', value: (k) => k.type },
          { header: 'BITS', value: (k) => String(k.bits) },
          { header: 'FINGERPRINT', value: (k) => k.fingerprint },
          { header: 'ADDED', value: (k) => relativeTime(k.created_at) },
        ],
        'No SSH keys yet; add one with `surplus keys add ~/.ssh/id_ed25519.pub`.',
      );
    });

  keys
    .command('remove')
    .description('remove one of your SSH keys')
    .argument('<key>', 'its id or fingerprint (SHA256:…)')
    .option('--json', 'print the removed key as JSON')
    .action(async (which: string, options: { json?: boolean }) => {
      const { client } = await connect(ctx);
      const { items } = await unwrap(client.GET('/api/v1/me/ssh-keys'));
      const key = items.find((k: SshKey) => k.id === which || k.fingerprint === which);
      if (!key) throw notFoundError(`you have no SSH key ${which}`);
      await unwrap(client.DELETE('/api/v1/me/ssh-keys/{id}', { params: { path: { id: key.id } } }));
      if (options.json) return ctx.out.json(key);
      ctx.out.line(`Removed key "${key.label}" ${key.fingerprint}.`);
    });
}

async function readPublicKey(ctx: Context, file: string): Promise<string> {
  let text: string;
  try {
    text = file === '-' ? await ctx.readStdin() : await readFile(file, 'utf8');
  } catch (error) {
    throw usageError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  // Refuse before sending: a private key must never leave this machine.
  if (text.includes('PRIVATE KEY'))
    throw usageError(`${file} is a private key; give the public one (usually the same name ending in .pub)`);
  const lines = text.split('\n').filter((line) => line.trim() && !line.trim().startsWith('#'));
  if (lines.length === 0) throw usageError(`${file} holds no public key`);
  if (lines.length > 1) throw usageError(`${file} holds ${lines.length} keys; add them one at a time`);
  return (lines[0] as string).trim();
}
