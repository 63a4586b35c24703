/**
 * `surplus machines`: the inventory, for operators. Machines are named by id or hostname; enrolling
 * one probes its BMC in the background (`--wait` follows the probe).
 */
import { readFile } from 'node:fs/promises';
import { type Client, type Schemas, unwrap } from '@surplus/api-client';
import { type Command, InvalidArgumentError } from 'commander';
import { type Context, connect } from '../config.ts';
import { CliError, EXIT, notFoundError, positiveInteger, relativeTime, usageError } from '../output.ts';
import { collectPages } from './requests.ts';

type Machine = Schemas['Machine'];
type MachineDetail = Schemas['MachineDetail'];

const MACHINE_STATES = ['enrolling', 'available', 'allocated', 'wiping', 'maintenance', 'failed'] as const;
const PROVIDERS = ['redfish', 'lab', 'manual'] as const;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const POLL_MS = 2_000;

function oneOf<T extends string>(values: readonly T[], what: string) {
  return (value: string): T => {
    if (!values.includes(value as T)) throw new InvalidArgumentError(`unknown ${what} ${value}; choose ${values.join(', ')}`);
    return value as T;
  };
}

/** An id as is; a hostname through the list's search, which must find exactly that hostname. */
export async function machineId(client: Client, reference: string): Promise<string> {
  if (UUID.test(reference)) return reference;
  const page = await unwrap(client.GET('/api/v1/machines', { params: { query: { q: reference, limit: 200 } } }));
  const found = page.items.find((machine) => machine.hostname === reference.toLowerCase());
  if (!found) throw notFoundError(`no machine named ${reference}; see \`surplus machines list\``);
  return found.id;
}

async function readText(ctx: Context, file: string, what: string): Promise<string> {
  try {
    return file === '-' ? await ctx.readStdin() : await readFile(file, 'utf8');
  } catch (error) {
    throw usageError(`cannot read ${what} ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}

const stateStyle = (ctx: Context, state: string) => {
  const { colours } = ctx.out;
  if (state === 'available') return colours.green(state);
  if (state === 'failed' || state === 'maintenance') return colours.red(state);
  return state;
};

export function registerMachineCommands(program: Command, ctx: Context) {
  const machines = program.command('machines').description('the inventory (operators): enroll, list, maintenance, CSV import');

  machines
    .command('list')
    .description('list machines with the fleet’s counts per state')
    .option('--state <state>', `only this state: ${MACHINE_STATES.join(', ')}`, oneOf(MACHINE_STATES, 'state'))
    .option('--plan <plan>', 'only this plan')
    .option('--metro <metro>', 'only this metro')
    .option('--search <text>', 'part of a hostname, serial, location or MAC')
    .option('--limit <n>', 'show at most this many, following pages as needed', positiveInteger, 100)
    .option('--all', 'every matching machine, however many pages (overrides --limit)')
    .option('--json', 'print { items, next_cursor, counts } with the API’s Machine objects')
    .action(
      async (options: {
        state?: (typeof MACHINE_STATES)[number];
        plan?: string;
        metro?: string;
        search?: string;
        limit: number;
        all?: boolean;
        json?: boolean;
      }) => {
        const { client } = await connect(ctx);
        let counts: Schemas['MachineStateCounts'] | null = null;
        const page = await collectPages<Machine>(options.all ? Number.POSITIVE_INFINITY : options.limit, async (limit, cursor) => {
          const answer = await unwrap(
            client.GET('/api/v1/machines', {
              params: { query: { state: options.state, plan: options.plan, metro: options.metro, q: options.search, limit, cursor } },
            }),
          );
          counts ??= answer.counts;
          return answer;
        });
        const fleet = counts as Schemas['MachineStateCounts'] | null;
        if (options.json) return ctx.out.json({ ...page, counts: fleet });
        const { colours } = ctx.out;
        ctx.out.table(
          page.items,
          [
            { header: 'HOSTNAME', value: (m) => m.hostname, style: (text) => colours.bold(text) },
            { header: 'STATE', value: (m) => m.state, style: (text) => stateStyle(ctx, text) },
            { header: 'PLAN', value: (m) => m.plan },
            { header: 'METRO', value: (m) => m.metro },
            { header: 'BMC', value: (m) => (m.bmc_url ? `${m.bmc_provider} ${m.bmc_url}` : m.bmc_provider) },
            { header: 'SERVER', value: (m) => (m.server ? `${m.server.hostname} (${m.server.project.slug})` : '-') },
            { header: 'CHANGED', value: (m) => relativeTime(m.updated_at) },
            { header: 'ID', value: (m) => m.id, style: (text) => colours.dim(text) },
          ],
          'No machines match.',
        );
        if (fleet) {
          const parts = MACHINE_STATES.filter((state) => fleet[state] > 0).map((state) => `${fleet[state]} ${state}`);
          ctx.out.note(`Fleet: ${fleet.total} machine${fleet.total === 1 ? '' : 's'}${parts.length ? ` (${parts.join(', ')})` : ''}.`);
        }
        if (page.next_cursor) ctx.out.note(`More machines exist; raise --limit (now ${options.limit}) or add --all to see them.`);
      },
    );

  machines
    .command('show')
    .description('show a machine: facts, MACs, BMC (never its password), server and timeline')
    .argument('<machine>', 'id or hostname')
    .option('--json', 'print the API’s JSON')
    .action(async (reference: string, options: { json?: boolean }) => {
      const { client } = await connect(ctx);
      const id = await machineId(client, reference);
      const machine = await unwrap(client.GET('/api/v1/machines/{id}', { params: { path: { id } } }));
      if (options.json) return ctx.out.json(machine);
      showMachine(ctx, machine);
    });

  machines
    .command('enroll')
    .description('enroll one machine; its BMC is probed in the background')
    .requiredOption('--hostname <name>', 'one RFC 1123 label, e.g. rack3-node07')
    .requiredOption('--plan <plan>', 'catalog plan, e.g. c3.small.x86')
    .requiredOption('--metro <metro>', 'catalog metro code, e.g. da')
    .requiredOption('--provider <provider>', `BMC provider: ${PROVIDERS.join(', ')}`, oneOf(PROVIDERS, 'provider'))
    .option('--bmc-url <url>', 'Redfish service URL (redfish and lab)')
    .option('--bmc-username <user>', 'BMC account')
    .option('--bmc-password <password>', 'BMC password; "-" reads it from stdin (keeps it out of the shell history)')
    .option('--bmc-ca <file>', 'PEM file of the CA (or self-signed certificate) to check the BMC’s TLS certificate against')
    .option('--bmc-insecure', 'do not check the BMC’s TLS certificate (this machine only)')
    .option('--system-path <path>', 'the Redfish ComputerSystem when the BMC has several, e.g. /redfish/v1/Systems/1')
    .option('--serial <serial>', 'serial number')
    .option('--location <text>', 'site, rack, unit')
    .option('--mac <mac...>', 'NIC MAC addresses (the probe adds those the BMC reports)')
    .option('--wait', 'wait until the probe ends (available or failed)')
    .option('--json', 'print the API’s JSON')
    .action(async (options: EnrollOptions) => {
      const { client } = await connect(ctx);
      let password = options.bmcPassword;
      if (password === '-') {
        password = (await ctx.readStdin()).split('\n')[0]?.trim() ?? '';
        if (!password) throw usageError('expected the BMC password on stdin, got nothing');
      }
      const caPem = options.bmcCa ? await readText(ctx, options.bmcCa, 'the CA file') : undefined;
      let machine = await unwrap(
        client.POST('/api/v1/machines', {
          body: {
            hostname: options.hostname,
            plan: options.plan,
            metro: options.metro,
            serial: options.serial,
            location: options.location ?? '',
            macs: options.mac ?? [],
            bmc_provider: options.provider,
            bmc_url: options.bmcUrl,
            bmc_username: options.bmcUsername,
            bmc_password: password,
            bmc_ca_pem: caPem,
            bmc_insecure: options.bmcInsecure,
            bmc_system_path: options.systemPath,
          },
        }),
      );
      if (!options.json) ctx.out.note(`Enrolled ${machine.hostname} (${machine.id}): ${machine.state}.`);
      if (options.wait && machine.state === 'enrolling') machine = await waitForProbe(ctx, client, machine);
      if (options.json) ctx.out.json(machine);
      else showMachine(ctx, machine);
      if (options.wait && machine.state === 'failed')
        throw new CliError(
          'ERR_ENROLL_FAILED',
          `enrolling ${machine.hostname} failed: ${machine.state_reason ?? 'no reason given'}`,
          EXIT.error,
        );
    });

  machines
    .command('maintenance')
    .description('take a machine out of the pool, with the reason (from available or failed)')
    .argument('<machine>', 'id or hostname')
    .requiredOption('--reason <text>', 'why: shown on the machine and in its timeline')
    .option('--json', 'print the API’s JSON')
    .action(async (reference: string, options: { reason: string; json?: boolean }) => {
      const { client } = await connect(ctx);
      const id = await machineId(client, reference);
      const machine = await unwrap(
        client.POST('/api/v1/machines/{id}/maintenance', { params: { path: { id } }, body: { reason: options.reason } }),
      );
      if (options.json) return ctx.out.json(machine);
      ctx.out.line(`${machine.hostname} is in maintenance: ${machine.state_reason ?? options.reason}`);
    });

  machines
    .command('available')
    .description('put a machine back in the pool (from maintenance or failed), through a fresh probe of its BMC')
    .argument('<machine>', 'id or hostname')
    .option('--wait', 'wait until the probe ends')
    .option('--json', 'print the API’s JSON')
    .action(async (reference: string, options: { wait?: boolean; json?: boolean }) => {
      const { client } = await connect(ctx);
      const id = await machineId(client, reference);
      let machine = await unwrap(client.POST('/api/v1/machines/{id}/available', { params: { path: { id } } }));
      if (options.wait && machine.state === 'enrolling') machine = await waitForProbe(ctx, client, machine);
      if (options.json) return ctx.out.json(machine);
      ctx.out.line(
        machine.state === 'enrolling'
          ? `${machine.hostname} is being probed; it rejoins the pool when its BMC answers.`
          : `${machine.hostname} is ${machine.state}${machine.state_reason ? `: ${machine.state_reason}` : ''}.`,
      );
    });

  machines
    .command('reprobe')
    .description('probe a machine’s BMC again and refresh its facts')
    .argument('<machine>', 'id or hostname')
    .option('--wait', 'wait until the probe ends')
    .option('--json', 'print the API’s JSON')
    .action(async (reference: string, options: { wait?: boolean; json?: boolean }) => {
      const { client } = await connect(ctx);
      const id = await machineId(client, reference);
      let machine = await unwrap(client.POST('/api/v1/machines/{id}/reprobe', { params: { path: { id } } }));
      if (options.wait && machine.state === 'enrolling') machine = await waitForProbe(ctx, client, machine);
      if (options.json) return ctx.out.json(machine);
      ctx.out.line(`${machine.hostname} is ${machine.state}${machine.state_reason ? `: ${machine.state_reason}` : ''}.`);
    });

  machines
    .command('tasks')
    .description('steps waiting for an operator on machines with the manual provider (power, boot): do them, then confirm')
    .option('--json', 'print { items } with the API’s OperatorTask objects')
    .action(async (options: { json?: boolean }) => {
      const { client } = await connect(ctx);
      const tasks = await unwrap(client.GET('/api/v1/machines/tasks'));
      if (options.json) return ctx.out.json(tasks);
      const { colours } = ctx.out;
      ctx.out.table(
        tasks.items,
        [
          { header: 'MACHINE', value: (task) => task.machine.hostname, style: (text) => colours.bold(text) },
          { header: 'SERVER', value: (task) => (task.server ? `${task.server.hostname} (${task.server.project.slug})` : '-') },
          { header: 'STEP', value: (task) => task.instruction },
          { header: 'SINCE', value: (task) => relativeTime(task.since) },
          { header: 'ID', value: (task) => task.id, style: (text) => colours.dim(text) },
        ],
        'No steps are waiting for an operator.',
      );
      if (tasks.items.length) ctx.out.note('Do the step by hand, then: surplus machines confirm ID');
    });

  machines
    .command('confirm')
    .description('confirm a step done by hand (an ID from `surplus machines tasks`); the waiting server goes on')
    .argument('<id>', 'the task’s id')
    .option('--note <text>', 'what was done: shown on the server’s timeline and in the audit log')
    .option('--json', 'print the API’s JSON')
    .action(async (id: string, options: { note?: string; json?: boolean }) => {
      const { client } = await connect(ctx);
      const confirmed = await unwrap(
        client.POST('/api/v1/machines/tasks/{id}/confirm', { params: { path: { id } }, body: options.note ? { note: options.note } : {} }),
      );
      if (options.json) return ctx.out.json(confirmed);
      ctx.out.line(
        `Confirmed on ${confirmed.machine.hostname}: ${confirmed.instruction}${confirmed.resumed ? ' The server’s workflow goes on.' : ''}`,
      );
    });

  machines
    .command('import')
    .description('enroll many machines from a CSV; one bad line imports nothing')
    .argument('<file>', 'CSV file with a header line ("-" reads stdin)')
    .option('--dry-run', 'check every line and import nothing')
    .option('--json', 'print the API’s JSON')
    .action(async (file: string, options: { dryRun?: boolean; json?: boolean }) => {
      const text = await readText(ctx, file, 'the CSV file');
      const { client } = await connect(ctx);
      const result = await unwrap(
        client.POST('/api/v1/machines/import', {
          params: { query: { dry_run: options.dryRun ? 'true' : 'false' } },
          body: text,
          bodySerializer: (body: string) => body,
          headers: { 'content-type': 'text/csv' },
        }),
      );
      if (options.json) return ctx.out.json(result);
      ctx.out.table(
        result.machines,
        [
          { header: 'LINE', value: (m) => String(m.line) },
          { header: 'HOSTNAME', value: (m) => m.hostname },
          { header: 'STATE', value: (m) => m.state ?? '-' },
          { header: 'ID', value: (m) => m.id ?? '-', style: (text) => ctx.out.colours.dim(text) },
        ],
        'The file has no machines.',
      );
      const count = `${result.count} machine${result.count === 1 ? '' : 's'}`;
      ctx.out.note(result.dry_run ? `Dry run: every line is valid; ${count} would be imported.` : `Imported ${count}.`);
    });
}

type EnrollOptions = {
  hostname: string;
  plan: string;
  metro: string;
  provider: (typeof PROVIDERS)[number];
  bmcUrl?: string;
  bmcUsername?: string;
  bmcPassword?: string;
  bmcCa?: string;
  bmcInsecure?: boolean;
  systemPath?: string;
  serial?: string;
  location?: string;
  mac?: string[];
  wait?: boolean;
  json?: boolean;
};

async function waitForProbe(ctx: Context, client: Client, machine: MachineDetail): Promise<MachineDetail> {
  ctx.out.note(`Probing the BMC of ${machine.hostname}…`);
  let current = machine;
  while (current.state === 'enrolling') {
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    current = await unwrap(client.GET('/api/v1/machines/{id}', { params: { path: { id: machine.id } } }));
  }
  return current;
}

function showMachine(ctx: Context, machine: MachineDetail) {
  const facts = machine.facts;
  const tls = machine.bmc_url?.startsWith('http:')
    ? 'plain http'
    : machine.bmc_insecure
      ? 'not verified (insecure)'
      : machine.bmc_ca_pem
        ? 'verified against the CA given'
        : 'verified against the system CAs';
  ctx.out.fields([
    ['Machine', machine.hostname],
    ['State', `${stateStyle(ctx, machine.state)}${machine.state_reason ? ` (${machine.state_reason})` : ''}`],
    ['Plan', machine.plan],
    ['Metro', machine.metro],
    ['Location', machine.location || null],
    ['Serial', machine.serial],
    [
      'BMC',
      machine.bmc_provider === 'manual' ? 'manual (an operator does each step)' : `${machine.bmc_provider} ${machine.bmc_url ?? '-'}`,
    ],
    ...(machine.bmc_provider === 'manual'
      ? []
      : ([
          ['BMC user', machine.bmc_username],
          ['BMC password', machine.has_bmc_password ? 'set (stored encrypted)' : 'not set'],
          ['TLS', tls],
        ] as [string, string | null][])),
    ['MACs', machine.macs.join(', ') || null],
    ['Model', facts ? [facts.manufacturer, facts.model].filter(Boolean).join(' ') || null : null],
    ['CPU', facts ? [facts.cpu.model, facts.cpu.cores ? `${facts.cpu.cores} cores` : null].filter(Boolean).join(', ') || null : null],
    ['Memory', facts?.memory_gb ? `${facts.memory_gb} GB` : null],
    ['Power', facts?.power_state ?? null],
    ['Server', machine.server ? `${machine.server.hostname} (${machine.server.project.slug}, ${machine.server.state})` : null],
    ['Enrolled', `${relativeTime(machine.created_at)} (${machine.created_at})`],
    ['Id', machine.id],
  ]);
  if (machine.events.length) {
    ctx.out.line();
    ctx.out.table(
      machine.events,
      [
        { header: 'WHEN', value: (e) => relativeTime(e.occurred_at) },
        { header: 'STATE', value: (e) => `${e.from_state ?? '-'} → ${e.to_state}` },
        { header: 'BY', value: (e) => e.actor },
        { header: 'REASON', value: (e) => e.reason ?? '' },
      ],
      '',
    );
  }
}
