/**
 * `surplus servers`: bare-metal servers of your projects. `create --wait` and the power actions'
 * `--wait` follow the server every 2 s, printing a line to stderr whenever its progress changes.
 */
import { readFile } from 'node:fs/promises';
import { type Client, type Schemas, unwrap } from '@surplus/api-client';
import { type Command, InvalidArgumentError } from 'commander';
import { type Context, connect } from '../config.ts';
import { formatCents } from '../money.ts';
import { CliError, EXIT, notFoundError, positiveInteger, relativeTime, usageError } from '../output.ts';
import { collectPages } from './requests.ts';

type Server = Schemas['Server'];
type ServerDetail = Schemas['ServerDetail'];
type ServerState = Schemas['ServerState'];

const SERVER_STATES: ServerState[] = [
  'queued',
  'provisioning',
  'active',
  'powering_off',
  'inactive',
  'powering_on',
  'rebooting',
  'reinstalling',
  'deprovisioning',
  'deleted',
  'failed',
];
/** States that end by themselves; --wait waits until the server leaves them. */
const TRANSITIONAL: ServerState[] = [
  'queued',
  'provisioning',
  'powering_off',
  'powering_on',
  'rebooting',
  'reinstalling',
  'deprovisioning',
];
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const POLL_MS = 2_000;
const DEFAULT_TIMEOUT_S = 1_800;

function serverState(value: string): ServerState {
  if (!SERVER_STATES.includes(value as ServerState))
    throw new InvalidArgumentError(`unknown state ${value}; states are ${SERVER_STATES.join(', ')}`);
  return value as ServerState;
}

function isoInstant(value: string): string {
  const date = new Date(value);
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(value) || Number.isNaN(date.getTime()))
    throw new InvalidArgumentError('must be a date and time, e.g. 2026-12-31T18:00:00Z');
  return date.toISOString();
}

/** An id as is; a hostname among the servers you can see (not deleted), which must name exactly one. */
async function serverId(client: Client, reference: string): Promise<string> {
  if (UUID.test(reference)) return reference;
  const { items } = await collectPages<Server>(Number.POSITIVE_INFINITY, (limit, cursor) =>
    unwrap(client.GET('/api/v1/servers', { params: { query: { limit, cursor } } })),
  );
  const matches = items.filter((server) => server.hostname === reference.toLowerCase());
  if (matches.length === 0) throw notFoundError(`no server named ${reference}; see \`surplus servers list\``);
  if (matches.length > 1)
    throw usageError(
      `${matches.length} servers are named ${reference} (${matches.map((s) => `${s.project.slug}: ${s.id}`).join(', ')}); give the id`,
    );
  return (matches[0] as Server).id;
}

async function readText(ctx: Context, file: string, what: string): Promise<string> {
  try {
    return file === '-' ? await ctx.readStdin() : await readFile(file, 'utf8');
  } catch (error) {
    throw usageError(`cannot read ${what} ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}

function stateStyle(ctx: Context, state: string): string {
  const { colours } = ctx.out;
  if (state === 'active') return colours.green(state);
  if (state === 'failed') return colours.red(state);
  if (state === 'deleted' || state === 'inactive') return colours.dim(state);
  return state;
}

/** "provisioning 30% · power_cycle: powered on", from the newest timeline entry. */
export function progressLine(server: ServerDetail): string {
  const last = server.timeline.at(-1);
  const percent = TRANSITIONAL.includes(server.state) || server.state === 'active' ? ` ${server.progress_percent}%` : '';
  const step = last?.step && last.step !== server.state ? ` · ${last.step}` : '';
  const note = last?.note ? `${step ? ': ' : ' · '}${last.note}` : '';
  return `${server.hostname}: ${server.state}${percent}${step}${note}`;
}

/**
 * Polls until the server leaves the transitional states (or reaches `until`), writing a progress line
 * to stderr whenever it changes. A failed server or the timeout is an error (exit 1).
 */
async function follow(ctx: Context, client: Client, server: ServerDetail, timeoutS: number): Promise<ServerDetail> {
  const deadline = Date.now() + timeoutS * 1000;
  let current = server;
  let shown = '';
  const show = () => {
    const line = progressLine(current);
    if (line !== shown) ctx.out.note(line);
    shown = line;
  };
  show();
  while (TRANSITIONAL.includes(current.state)) {
    if (Date.now() > deadline)
      throw new CliError(
        'ERR_TIMEOUT',
        `${current.hostname} is still ${current.state} after ${timeoutS} s; follow it with \`surplus servers show ${current.id}\``,
        EXIT.error,
      );
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    current = await unwrap(client.GET('/api/v1/servers/{id}', { params: { path: { id: current.id } } }));
    show();
  }
  return current;
}

function failIfFailed(server: ServerDetail) {
  if (server.state === 'failed')
    throw new CliError('ERR_SERVER_FAILED', `${server.hostname} failed: ${server.state_reason ?? 'no reason recorded'}`, EXIT.error);
}

/** The ssh argv for a server's access details: always with -p, so the port is never a surprise. */
export function sshArgs(ssh: NonNullable<Server['ssh']>, extra: string[] = []): string[] {
  return ['-p', String(ssh.port), `${ssh.user}@${ssh.host}`, ...extra];
}

const shellQuote = (word: string) => (/^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`);

export function registerServerCommands(program: Command, ctx: Context) {
  const servers = program.command('servers').description('bare-metal servers of your projects: create, power, reinstall, delete, ssh');

  servers
    .command('create')
    .description('create a server on the project’s grant; prints it at once, or with --wait once it is active')
    .requiredOption('--project <project>', 'project slug or id')
    .requiredOption('--plan <plan>', 'catalog plan, e.g. c3.small.x86 (see `surplus catalog`)')
    .requiredOption('--metro <metro>', 'metro code, e.g. da')
    .requiredOption('--os <slug>', 'operating system, e.g. ubuntu_22_04 (offered for the plan’s architecture)')
    .option('--hostname <name>', 'RFC 1123 host name (default: the project’s slug and a random suffix)')
    .option('--ssh-key <key...>', "OpenSSH public keys to install instead of every project member's keys")
    .option('--ssh-key-file <file...>', 'files with public keys, one per line (e.g. ~/.ssh/id_ed25519.pub)')
    .option('--userdata <text>', 'user data for cloud-init (at most 64 KiB)')
    .option('--userdata-file <file>', 'user data from a file ("-" reads stdin)')
    .option('--ipxe-url <url>', 'custom_ipxe: a script to chain to (http or https)')
    .option('--ipxe-script <file>', 'custom_ipxe: a file with an inline script starting with #!ipxe')
    .option('--always-pxe', 'netboot on every boot instead of the installed disk')
    .option('--terminate-at <time>', 'delete the server by itself at this time (ISO 8601, e.g. 2026-12-31T18:00:00Z)', isoInstant)
    .option('--wait', 'wait until the server is active (or failed), with a progress line on stderr')
    .option(
      '--timeout <seconds>',
      `with --wait: give up after this long (default ${DEFAULT_TIMEOUT_S})`,
      positiveInteger,
      DEFAULT_TIMEOUT_S,
    )
    .option('--json', 'print the API’s JSON (the server, with its id)')
    .action(async (options: CreateOptions) => {
      if (options.userdata !== undefined && options.userdataFile) throw usageError('give --userdata or --userdata-file, not both');
      if (options.ipxeUrl && options.ipxeScript) throw usageError('give --ipxe-url or --ipxe-script, not both');
      const keys = [...(options.sshKey ?? [])];
      for (const file of options.sshKeyFile ?? []) {
        const text = await readText(ctx, file, 'the key file');
        keys.push(...text.split('\n').filter((line) => line.trim() && !line.trim().startsWith('#')));
      }
      const userdata = options.userdataFile ? await readText(ctx, options.userdataFile, 'the user data file') : (options.userdata ?? '');
      const ipxeScript = options.ipxeScript ? await readText(ctx, options.ipxeScript, 'the iPXE script') : undefined;
      const { client } = await connect(ctx);
      let server = await unwrap(
        client.POST('/api/v1/servers', {
          body: {
            project: options.project,
            plan: options.plan,
            metro: options.metro,
            operating_system: options.os,
            hostname: options.hostname,
            ...(keys.length ? { ssh_keys: keys } : {}),
            userdata,
            ipxe_script_url: options.ipxeUrl,
            ipxe_script: ipxeScript,
            always_pxe: options.alwaysPxe ?? false,
            termination_time: options.terminateAt,
          },
        }),
      );
      if (!options.json) ctx.out.note(`Created ${server.hostname} (${server.id}); it is ${server.state}.`);
      if (options.wait) server = await follow(ctx, client, server, options.timeout);
      if (options.json) ctx.out.json(server);
      else showServer(ctx, server, options.wait === true);
      if (options.wait) failIfFailed(server);
    });

  servers
    .command('list')
    .description('list servers: your projects’ (staff: every server), newest first')
    .option('--project <project>', 'only this project (slug or id)')
    .option('--state <state>', `only this state: ${SERVER_STATES.join(', ')}`, serverState)
    .option('--include-deleted', 'also deleted servers')
    .option('--limit <n>', 'show at most this many, following pages as needed', positiveInteger, 100)
    .option('--all', 'every matching server, however many pages (overrides --limit)')
    .option('--json', 'print { items, next_cursor } with the API’s Server objects')
    .action(
      async (options: {
        project?: string;
        state?: ServerState;
        includeDeleted?: boolean;
        limit: number;
        all?: boolean;
        json?: boolean;
      }) => {
        const { client } = await connect(ctx);
        const include_deleted = options.includeDeleted ? 'true' : 'false';
        const list = await collectPages<Server>(options.all ? Number.POSITIVE_INFINITY : options.limit, (limit, cursor) =>
          unwrap(
            client.GET('/api/v1/servers', {
              params: { query: { project: options.project, state: options.state, include_deleted, limit, cursor } },
            }),
          ),
        );
        if (options.json) return ctx.out.json(list);
        const { colours } = ctx.out;
        ctx.out.table(
          list.items,
          [
            { header: 'HOSTNAME', value: (s) => s.hostname, style: (text) => colours.bold(text) },
            { header: 'STATE', value: (s) => s.state, style: (text) => stateStyle(ctx, text) },
            { header: 'PROGRESS', value: (s) => (TRANSITIONAL.includes(s.state) ? `${s.progress_percent}%` : '-') },
            { header: 'PROJECT', value: (s) => s.project.slug },
            { header: 'PLAN', value: (s) => s.plan },
            { header: 'METRO', value: (s) => s.metro },
            { header: 'OS', value: (s) => s.operating_system },
            { header: 'SSH', value: (s) => (s.ssh ? s.ssh.command : '-') },
            { header: 'CREATED', value: (s) => relativeTime(s.created_at) },
            { header: 'ID', value: (s) => s.id, style: (text) => colours.dim(text) },
          ],
          options.project ? `No servers in ${options.project}.` : 'No servers; create one with `surplus servers create`.',
        );
        if (list.next_cursor) ctx.out.note(`More servers exist; raise --limit (now ${options.limit}) or add --all to see them.`);
      },
    );

  servers
    .command('idle')
    .description('staff: active servers with no heartbeat, SSH session or traffic for their program’s idle days, longest idle first')
    .option('--program <program>', 'only servers of this program’s grants (slug or id)')
    .option('--json', 'print the API’s IdleServerList: items and the sums (per currency in totals)')
    .action(async (options: { program?: string; json?: boolean }) => {
      const { client } = await connect(ctx);
      const list = await unwrap(
        client.GET('/api/v1/usage/idle', { params: { query: options.program ? { program: options.program } : {} } }),
      );
      if (options.json) return ctx.out.json(list);
      const { colours } = ctx.out;
      ctx.out.table(
        list.items,
        [
          { header: 'HOSTNAME', value: (s) => s.server.hostname, style: (text) => colours.bold(text) },
          { header: 'PROJECT', value: (s) => s.project.slug },
          { header: 'PROGRAM', value: (s) => s.program?.slug ?? '-' },
          { header: 'PLAN', value: (s) => s.plan },
          { header: 'METRO', value: (s) => s.metro },
          { header: 'IDLE DAYS', value: (s) => String(s.idle_days) },
          { header: 'USED WHILE IDLE', value: (s) => formatCents(s.consumed_since_idle_cents, s.currency) },
          { header: 'PER MONTH', value: (s) => formatCents(s.cents_per_month, s.currency) },
          { header: 'NUDGED', value: (s) => (s.nudged_at ? relativeTime(s.nudged_at) : '-') },
          { header: 'ID', value: (s) => s.server.id, style: (text) => colours.dim(text) },
        ],
        options.program ? `No idle servers in ${options.program}.` : 'No idle servers.',
      );
      // Sums per currency: programs keep their own, and amounts in different ones are never added.
      const sum = (pick: (total: (typeof list.totals)[number]) => number) =>
        list.totals.map((total) => formatCents(pick(total), total.currency)).join(' + ');
      if (list.items.length > 0)
        ctx.out.line(
          `${list.items.length} idle server${list.items.length === 1 ? '' : 's'}: ${sum((total) => total.cents_per_month)} of credit a month, ${sum((total) => total.consumed_since_idle_cents)} used while idle`,
        );
    });

  servers
    .command('show')
    .description('show a server: state, progress, SSH access and timeline')
    .argument('<server>', 'id or hostname')
    .option('--json', 'print the API’s JSON (with state, ssh and timeline)')
    .action(async (reference: string, options: { json?: boolean }) => {
      const { client } = await connect(ctx);
      const id = await serverId(client, reference);
      const server = await unwrap(client.GET('/api/v1/servers/{id}', { params: { path: { id } } }));
      if (options.json) return ctx.out.json(server);
      showServer(ctx, server, true);
    });

  const actions: { name: string; type: 'power_on' | 'power_off' | 'reboot'; description: string }[] = [
    { name: 'reboot', type: 'reboot', description: 'reboot an active server' },
    { name: 'power-off', type: 'power_off', description: 'power an active server off (it stays yours)' },
    { name: 'power-on', type: 'power_on', description: 'power a powered-off server on' },
  ];
  for (const action of actions) {
    servers
      .command(action.name)
      .description(action.description)
      .argument('<server>', 'id or hostname')
      .option('--wait', 'wait until it is done, with a progress line on stderr')
      .option(
        '--timeout <seconds>',
        `with --wait: give up after this long (default ${DEFAULT_TIMEOUT_S})`,
        positiveInteger,
        DEFAULT_TIMEOUT_S,
      )
      .option('--json', 'print the API’s JSON')
      .action(async (reference: string, options: { wait?: boolean; timeout: number; json?: boolean }) => {
        const { client } = await connect(ctx);
        const id = await serverId(client, reference);
        let server = await unwrap(
          client.POST('/api/v1/servers/{id}/actions', { params: { path: { id } }, body: { type: action.type, preserve_data: false } }),
        );
        if (options.wait) server = await follow(ctx, client, server, options.timeout);
        if (options.json) ctx.out.json(server);
        else ctx.out.line(`${server.hostname} is ${server.state}.`);
        if (options.wait) failIfFailed(server);
      });
  }

  servers
    .command('reinstall')
    .description('netboot the server again and install an operating system (wipes it unless --keep-data)')
    .argument('<server>', 'id or hostname')
    .option('--os <slug>', 'the new operating system (default: the current one)')
    .option('--keep-data', 'keep the data disks; only the system is reinstalled')
    .option('--wait', 'wait until it is active again, with a progress line on stderr')
    .option(
      '--timeout <seconds>',
      `with --wait: give up after this long (default ${DEFAULT_TIMEOUT_S})`,
      positiveInteger,
      DEFAULT_TIMEOUT_S,
    )
    .option('--json', 'print the API’s JSON')
    .action(async (reference: string, options: { os?: string; keepData?: boolean; wait?: boolean; timeout: number; json?: boolean }) => {
      const { client } = await connect(ctx);
      const id = await serverId(client, reference);
      let server = await unwrap(
        client.POST('/api/v1/servers/{id}/actions', {
          params: { path: { id } },
          body: { type: 'reinstall', operating_system: options.os, preserve_data: options.keepData ?? false },
        }),
      );
      if (options.wait) server = await follow(ctx, client, server, options.timeout);
      if (options.json) ctx.out.json(server);
      else ctx.out.line(`${server.hostname} is ${server.state} with ${server.operating_system}.`);
      if (options.wait) failIfFailed(server);
    });

  servers
    .command('delete')
    .description('delete a server: power off, wipe, machine back to the pool')
    .argument('<server>', 'id or hostname')
    .option('--wait', 'wait until it is deleted')
    .option(
      '--timeout <seconds>',
      `with --wait: give up after this long (default ${DEFAULT_TIMEOUT_S})`,
      positiveInteger,
      DEFAULT_TIMEOUT_S,
    )
    .option('--json', 'print the API’s JSON')
    .action(async (reference: string, options: { wait?: boolean; timeout: number; json?: boolean }) => {
      const { client } = await connect(ctx);
      const id = await serverId(client, reference);
      let server = await unwrap(client.DELETE('/api/v1/servers/{id}', { params: { path: { id } } }));
      if (options.wait) server = await follow(ctx, client, server, options.timeout);
      if (options.json) return ctx.out.json(server);
      ctx.out.line(
        server.state === 'deleted' ? `${server.hostname} is deleted.` : `${server.hostname} is being deleted (${server.state}).`,
      );
    });

  servers
    .command('ssh')
    .description('log in to an active server: runs `ssh -p PORT user@host` with its access details')
    .argument('<server>', 'id or hostname')
    .argument('[ssh-args...]', 'more arguments for ssh, after --, e.g. -- -L 8080:localhost:80 or -- uname -a')
    .option('--print', 'print the ssh command instead of running it')
    .action(async (reference: string, extra: string[], options: { print?: boolean }) => {
      const { client } = await connect(ctx);
      const id = await serverId(client, reference);
      const server = await unwrap(client.GET('/api/v1/servers/{id}', { params: { path: { id } } }));
      if (!server.ssh) {
        const why = server.state === 'active' ? 'it has no address yet' : `it is ${server.state}`;
        throw new CliError('ERR_NO_ACCESS', `${server.hostname} cannot be reached over SSH: ${why}`, EXIT.error);
      }
      const args = sshArgs(server.ssh, extra);
      if (options.print) return ctx.out.line(['ssh', ...args].map(shellQuote).join(' '));
      const code = await ctx.exec('ssh', args);
      if (code !== 0) throw new CliError('ERR_SSH', `ssh exited with status ${code}`, EXIT.error);
    });
}

type CreateOptions = {
  project: string;
  plan: string;
  metro: string;
  os: string;
  hostname?: string;
  sshKey?: string[];
  sshKeyFile?: string[];
  userdata?: string;
  userdataFile?: string;
  ipxeUrl?: string;
  ipxeScript?: string;
  alwaysPxe?: boolean;
  terminateAt?: string;
  wait?: boolean;
  timeout: number;
  json?: boolean;
};

function showServer(ctx: Context, server: ServerDetail, isTimelineShown: boolean) {
  const isMoving = TRANSITIONAL.includes(server.state);
  ctx.out.fields([
    ['Server', server.hostname],
    ['State', `${stateStyle(ctx, server.state)}${isMoving ? ` (${server.progress_percent}%)` : ''}`],
    ['Reason', server.state_reason],
    ['Project', `${server.project.name} (${server.project.slug})`],
    ['Plan', server.plan],
    ['Metro', server.metro],
    ['OS', server.operating_system],
    ['SSH', server.ssh ? server.ssh.command : null],
    ['Addresses', server.ip_addresses.map((ip) => ip.address).join(', ') || null],
    ['Always PXE', server.always_pxe ? 'yes' : 'no'],
    ['Terminates', server.termination_time],
    ['Machine', server.machine ? server.machine.hostname : null],
    ['Created', `${relativeTime(server.created_at)} (${server.created_at})`],
    ['Active since', server.activated_at],
    ['Id', server.id],
  ]);
  if (isTimelineShown && server.timeline.length) {
    ctx.out.line();
    ctx.out.table(
      server.timeline,
      [
        { header: 'WHEN', value: (e) => relativeTime(e.occurred_at) },
        { header: 'STATE', value: (e) => (e.from_state && e.from_state !== e.to_state ? `${e.from_state} → ${e.to_state}` : e.to_state) },
        { header: 'STEP', value: (e) => e.step ?? '' },
        { header: '%', value: (e) => (e.progress_percent === null ? '' : String(e.progress_percent)) },
        { header: 'BY', value: (e) => e.actor },
        { header: 'NOTE', value: (e) => e.note ?? '' },
      ],
      '',
    );
  }
}
