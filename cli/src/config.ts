/**
 * Where the CLI finds its Surplus and token: the config file written by `surplus login`, overridden by
 * SURPLUS_URL / SURPLUS_TOKEN. The file holds an API token, never a password.
 */
import { chmod, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join } from 'node:path';
import { type Client, createClient } from '@surplus/api-client';
import { CliError, EXIT, NetworkError, type Output, usageError } from './output.ts';

export type Env = Record<string, string | undefined>;

export type StoredConfig = { url: string; token: string; token_id?: string; email?: string };

/** What every command gets from main.ts. */
export type Context = {
  env: Env;
  out: Output;
  configPath: string;
  userAgent: string;
  readStdin(): Promise<string>;
  /** Runs a program on this terminal (`surplus servers ssh`) and resolves with its exit code. */
  exec(command: string, args: string[]): Promise<number>;
};

export type Session = { url: string; token: string; tokenSource: 'environment' | 'config' };

/** SURPLUS_CONFIG, else $XDG_CONFIG_HOME/surplus/config.json, else ~/.config/surplus/config.json. */
export function configPath(env: Env): string {
  if (env.SURPLUS_CONFIG) return env.SURPLUS_CONFIG;
  // The XDG spec says to ignore a relative XDG_CONFIG_HOME.
  const base = env.XDG_CONFIG_HOME && isAbsolute(env.XDG_CONFIG_HOME) ? env.XDG_CONFIG_HOME : join(env.HOME || homedir(), '.config');
  return join(base, 'surplus', 'config.json');
}

export async function readConfig(path: string): Promise<StoredConfig | null> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  let parsed: Partial<StoredConfig>;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new CliError('ERR_NOT_SIGNED_IN', `${path} is not valid JSON; sign in again with \`surplus login\``, EXIT.notSignedIn);
  }
  if (typeof parsed.url !== 'string' || typeof parsed.token !== 'string') {
    throw new CliError('ERR_NOT_SIGNED_IN', `${path} lacks a url or token; sign in again with \`surplus login\``, EXIT.notSignedIn);
  }
  return parsed as StoredConfig;
}

/** Written to a private temporary file and renamed, so the token is never readable by others, even briefly. */
export async function writeConfig(path: string, config: StoredConfig, env: Env): Promise<void> {
  const dir = dirname(path);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  // Our own directory is tightened even if it existed; a directory named by SURPLUS_CONFIG is the user's.
  if (!env.SURPLUS_CONFIG) await chmod(dir, 0o700);
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
  await chmod(temporary, 0o600);
  await rename(temporary, path);
}

export async function removeConfig(path: string): Promise<void> {
  await rm(path, { force: true });
}

export function normalizeUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw usageError(`--url: ${value} is not a URL (e.g. https://surplus.example.org)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw usageError(`--url: ${value} must start with http:// or https://`);
  return url.href.replace(/\/+$/, '');
}

/**
 * The environment wins over the file. A stored token only goes to the URL it was made for, so that
 * pointing SURPLUS_URL elsewhere never sends it to another server.
 */
export async function resolveSession(ctx: Context): Promise<Session> {
  const stored = await readConfig(ctx.configPath);
  const url = ctx.env.SURPLUS_URL ? normalizeUrl(ctx.env.SURPLUS_URL) : stored?.url;
  if (ctx.env.SURPLUS_TOKEN && url) return { url, token: ctx.env.SURPLUS_TOKEN, tokenSource: 'environment' };
  if (stored && url === stored.url) return { url, token: stored.token, tokenSource: 'config' };
  const message = stored
    ? `signed in to ${stored.url}, not ${url}; set SURPLUS_TOKEN too or run \`surplus login --url ${url}\``
    : ctx.env.SURPLUS_TOKEN
      ? 'SURPLUS_TOKEN is set but not SURPLUS_URL; set both, or run `surplus login`'
      : 'not signed in; run `surplus login --url URL --token TOKEN` or set SURPLUS_URL and SURPLUS_TOKEN';
  throw new CliError('ERR_NOT_SIGNED_IN', message, EXIT.notSignedIn);
}

/** The generated client, with network failures reported as NetworkError naming the URL. */
export function openClient(ctx: Context, url: string, token?: string): Client {
  const reportingFetch: typeof fetch = async (input, init) => {
    try {
      return await fetch(input, init);
    } catch (error) {
      const target = input instanceof Request ? input.url : String(input);
      throw new NetworkError(target, error);
    }
  };
  return createClient({ baseUrl: url, token, userAgent: ctx.userAgent, fetch: reportingFetch });
}

export async function connect(ctx: Context): Promise<{ client: Client; session: Session }> {
  const session = await resolveSession(ctx);
  return { client: openClient(ctx, session.url, session.token), session };
}
