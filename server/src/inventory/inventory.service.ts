import { randomUUID } from 'node:crypto';
import type { AuditService } from '../audit/audit.service.ts';
import type { CatalogService } from '../catalog/catalog.service.ts';
import type { SecretBox } from '../crypto/secret-box.ts';
import type { Db, Executor } from '../db/database.ts';
import type { MachineState } from '../db/schema.ts';
import { type Ctx, SYSTEM_CTX } from '../http/context.ts';
import { AppError, type FieldError, fail, invalid, notFound } from '../http/errors.ts';
import type { LabEnrollment } from '../providers/lab/lab-pool.ts';
import { type MachineAccess, ProviderError, type MachineFacts as ProviderFacts } from '../providers/types.ts';
import { readMachineCsv, rowToEnrollInput } from './inventory.csv.ts';
import { type Discovery, describeProbeFailure, discover, type ProviderSource } from './inventory.probe.ts';
import type { InventoryRepository, MachinePatch, MachineRow } from './inventory.repository.ts';
import {
  bmcProblems,
  MACHINE_STATES,
  type Machine,
  type MachineDetail,
  MachineEnrollBody,
  type MachineFacts,
  type MachineImportResult,
  type MachineListQuery,
  type MachineStateCounts,
  type MachineUpdateBody,
  normalizeMac,
} from './inventory.schemas.ts';

export type InventoryOptions = {
  /** How long one enrollment probe (probe + inspect) may take before the machine fails as unreachable. */
  probeTimeoutMs?: number;
};

export type ProbeOutcome = 'available' | 'failed' | 'refreshed' | 'skipped';

type MachineView = NonNullable<Awaited<ReturnType<InventoryRepository['find']>>>;

/** One machine to enroll, and how its fields are named in error messages (the body, or a CSV line). */
type Problem = FieldError & { line: number };

type Candidate = { body: MachineEnrollBody; field: (name: string, index?: number) => string; line?: number };

/** A context's name in events: the operator's email, or "system" for jobs. */
function actorOf(ctx: Ctx) {
  return ctx.actor?.email ?? 'system';
}

/**
 * The machine inventory: enrollment (one, or a CSV file), the BMC probe that discovers facts, and the
 * operator's state changes (maintenance, back to the pool). Every state change writes its
 * machine_event (and operator actions their audit entry) in the transaction that makes it.
 * BMC passwords are sealed with SecretBox under the machine's id and opened only to probe.
 */
export class InventoryService {
  private readonly db: Db;
  private readonly inventory: InventoryRepository;
  private readonly catalog: CatalogService;
  private readonly audit: AuditService;
  private readonly secrets: SecretBox;
  private readonly providers: ProviderSource;
  private readonly probeTimeoutMs: number;

  constructor(
    db: Db,
    deps: { inventory: InventoryRepository; catalog: CatalogService; audit: AuditService; secrets: SecretBox; providers: ProviderSource },
    options: InventoryOptions = {},
  ) {
    this.db = db;
    this.inventory = deps.inventory;
    this.catalog = deps.catalog;
    this.audit = deps.audit;
    this.secrets = deps.secrets;
    this.providers = deps.providers;
    this.probeTimeoutMs = options.probeTimeoutMs ?? 60_000;
  }

  // ── Reading ────────────────────────────────────────────────────────────────────────────────────

  async list(query: MachineListQuery): Promise<{ items: Machine[]; next_cursor: string | null; counts: MachineStateCounts }> {
    const filters = { plan: query.plan, metro: query.metro, q: query.q };
    const [rows, counts] = await Promise.all([
      this.inventory.list(this.db, { ...filters, state: query.state }, decodeHostnameCursor(query.cursor), query.limit),
      this.inventory.countByState(this.db, filters),
    ]);
    const page = rows.slice(0, query.limit);
    const last = page.at(-1);
    const byState = Object.fromEntries(MACHINE_STATES.map((state) => [state, counts.get(state) ?? 0])) as Record<MachineState, number>;
    return {
      items: page.map(toMachine),
      next_cursor: rows.length > query.limit && last ? Buffer.from(JSON.stringify(['h', last.hostname])).toString('base64url') : null,
      counts: { ...byState, total: Object.values(byState).reduce((sum, n) => sum + n, 0) },
    };
  }

  async get(id: string, db: Executor = this.db): Promise<MachineDetail> {
    const row = await this.inventory.find(db, id);
    if (!row) notFound('Machine');
    const events = await this.inventory.events(db, id);
    return {
      ...toMachine(row),
      events: events.map((event) => ({
        id: event.id,
        from_state: event.from_state,
        to_state: event.to_state,
        reason: event.reason,
        actor: event.actor_label,
        occurred_at: event.occurred_at.toISOString(),
      })),
    };
  }

  // ── Enrollment ─────────────────────────────────────────────────────────────────────────────────

  /** Enrolls one machine: `enrolling` with its probe queued, or `available` at once for manual ones. */
  async enroll(ctx: Ctx, body: MachineEnrollBody): Promise<MachineDetail> {
    const candidate: Candidate = { body, field: (name, index) => (index === undefined ? name : `${name}[${index}]`) };
    const checked = await this.check([candidate]);
    const invalids = checked.invalids.map(({ field, message }) => ({ field, message }));
    const conflicts = checked.conflicts.map(({ field, message }) => ({ field, message }));
    if (invalids.length > 0)
      throw new AppError('ERR_VALIDATION', invalids.map((f) => `${f.field}: ${f.message}`).join('; '), { fields: invalids });
    if (conflicts.length > 0) throw new AppError('ERR_CONFLICT', conflicts.map((f) => f.message).join('; '), { fields: conflicts });
    const id = await this.inTransaction(async (tx) => this.insert(tx, ctx, body, 'api'));
    return this.get(id);
  }

  /**
   * Imports a CSV file: every line is checked first (format, catalog, duplicates within the file and
   * against the inventory); any bad line refuses the whole file with every line's errors, and nothing
   * is written. Otherwise all machines are enrolled in one transaction, each with its probe queued.
   */
  async importCsv(ctx: Ctx, text: string, isDryRun: boolean): Promise<MachineImportResult> {
    const { rows, problems } = readMachineCsv(text);
    const errors: Problem[] = problems.map((problem) => ({
      line: problem.line,
      field: problem.column ? `line ${problem.line}: ${problem.column}` : `line ${problem.line}`,
      message: problem.message,
    }));
    const candidates: Candidate[] = [];
    for (const row of rows) {
      const where = (name: string) => `line ${row.line}: ${name}`;
      const { input, problems: cellProblems } = rowToEnrollInput(row.values);
      for (const problem of cellProblems) errors.push({ line: row.line, field: where(problem.column), message: problem.message });
      const parsed = MachineEnrollBody.safeParse(input);
      if (!parsed.success) {
        for (const issue of parsed.error.issues) {
          errors.push({ line: row.line, field: where(String(issue.path[0] ?? 'line')), message: issue.message });
        }
        continue;
      }
      if (cellProblems.length === 0) candidates.push({ body: parsed.data, field: where, line: row.line });
    }
    const { invalids, conflicts } = await this.check(candidates);
    errors.push(...invalids, ...conflicts);
    if (errors.length > 0) {
      errors.sort((a, b) => a.line - b.line);
      const lines = new Set(errors.map((error) => error.line)).size;
      throw new AppError('ERR_VALIDATION', `${lines} line${lines === 1 ? ' has' : 's have'} errors; nothing was imported.`, {
        fields: errors.map(({ field, message }) => ({ field, message })),
      });
    }
    if (isDryRun) {
      return {
        dry_run: true,
        count: candidates.length,
        machines: candidates.map((c) => ({ line: c.line ?? 0, hostname: c.body.hostname, id: null, state: null })),
      };
    }
    const machines = await this.inTransaction(async (tx) => {
      const done: MachineImportResult['machines'] = [];
      for (const candidate of candidates) {
        const id = await this.insert(tx, ctx, candidate.body, 'csv');
        done.push({ line: candidate.line ?? 0, hostname: candidate.body.hostname, id, state: initialState(candidate.body) });
      }
      await this.audit.record(tx, ctx, {
        action: 'machine.imported',
        targetType: 'machine',
        targetId: null,
        summary: { count: done.length },
      });
      return done;
    });
    return { dry_run: false, count: machines.length, machines };
  }

  /** Checks candidates against the catalog, each other and the inventory. Conflicts with the inventory are 409s for one machine. */
  private async check(candidates: Candidate[]): Promise<{ invalids: Problem[]; conflicts: Problem[] }> {
    const invalids: Problem[] = [];
    const conflicts: Problem[] = [];
    if (candidates.length === 0) return { invalids, conflicts };
    const catalog = await this.catalog.snapshot();
    const hostnames = new Map<string, Candidate>();
    const macs = new Map<string, Candidate>();
    for (const candidate of candidates) {
      const { body, field } = candidate;
      const line = candidate.line ?? 0;
      if (!catalog.plans.has(body.plan))
        invalids.push({ line, field: field('plan'), message: `unknown plan ${JSON.stringify(body.plan)}` });
      if (!catalog.metros.has(body.metro))
        invalids.push({ line, field: field('metro'), message: `unknown metro ${JSON.stringify(body.metro)}` });
      const sameHost = hostnames.get(body.hostname);
      if (sameHost) invalids.push({ line, field: field('hostname'), message: `${body.hostname} repeats line ${sameHost.line}` });
      else hostnames.set(body.hostname, candidate);
      body.macs.forEach((mac, index) => {
        const sameMac = macs.get(mac);
        if (sameMac && sameMac !== candidate)
          invalids.push({ line, field: field('macs', index), message: `${mac} repeats line ${sameMac.line}` });
        else macs.set(mac, candidate);
      });
    }
    const [takenHosts, macOwners] = await Promise.all([
      this.inventory.hostnamesTaken(this.db, [...hostnames.keys()]),
      this.inventory.macOwners(this.db, [...macs.keys()]),
    ]);
    // A CSV file names every problem as a line's error; one machine's clash with the inventory is a 409.
    const isFile = candidates.some((candidate) => candidate.line !== undefined);
    const clashes = isFile ? invalids : conflicts;
    for (const taken of takenHosts) {
      const candidate = hostnames.get(taken.hostname);
      if (candidate) {
        clashes.push({
          line: candidate.line ?? 0,
          field: candidate.field('hostname'),
          message: `${taken.hostname} is already enrolled (machine ${taken.id})`,
        });
      }
    }
    for (const owner of macOwners) {
      const candidate = macs.get(owner.mac);
      if (!candidate) continue;
      clashes.push({
        line: candidate.line ?? 0,
        field: candidate.field('macs', candidate.body.macs.indexOf(owner.mac)),
        message: `MAC ${owner.mac} belongs to machine ${owner.hostname} (${owner.id})`,
      });
    }
    return { invalids, conflicts };
  }

  private async insert(
    tx: Executor,
    ctx: Ctx,
    body: MachineEnrollBody,
    via: 'api' | 'csv' | 'lab',
    lab?: { sshPort: number },
  ): Promise<string> {
    const id = randomUUID();
    const state = initialState(body);
    await this.inventory.insert(tx, {
      id,
      hostname: body.hostname,
      serial: body.serial || null,
      plan_slug: body.plan,
      metro_code: body.metro,
      location: body.location,
      bmc_provider: body.bmc_provider,
      bmc_url: body.bmc_url ?? null,
      bmc_username: body.bmc_username ?? null,
      bmc_password_encrypted: body.bmc_password ? this.secrets.seal(body.bmc_password, bmcContext(id)) : null,
      bmc_ca_pem: body.bmc_ca_pem ?? null,
      bmc_is_insecure: body.bmc_insecure ?? false,
      bmc_system_path: body.bmc_system_path ?? null,
      state,
      is_lab: lab !== undefined,
      lab_ssh_port: lab?.sshPort ?? null,
    });
    await this.inventory.addMacs(tx, id, body.macs);
    // Another enrollment may have taken a MAC since the check: the row lock on the MAC made us wait for it.
    const clash = (await this.inventory.macOwners(tx, body.macs)).find((owner) => owner.id !== id);
    if (clash) fail('ERR_CONFLICT', `MAC ${clash.mac} belongs to machine ${clash.hostname} (${clash.id})`);
    const reason =
      state === 'available'
        ? 'enrolled with the manual provider: no BMC to probe; operators do its power and boot steps by hand'
        : `enrolled by ${actorOf(ctx)}: probing the BMC`;
    await this.inventory.insertEvent(tx, id, null, state, reason, actorOf(ctx));
    if (state === 'enrolling') await this.inventory.enqueueProbe(tx, id);
    await this.audit.record(tx, ctx, {
      action: 'machine.enrolled',
      targetType: 'machine',
      targetId: id,
      summary: {
        hostname: body.hostname,
        plan: body.plan,
        metro: body.metro,
        macs: body.macs,
        bmc_provider: body.bmc_provider,
        bmc_url: body.bmc_url ?? null,
        has_bmc_password: Boolean(body.bmc_password),
        via,
      },
    });
    return id;
  }

  /**
   * Enrolls the lab pool's machines (LabPool.enrollments(), at start-up), or brings their BMC
   * settings and SSH ports up to date when a restart moved them. New machines are probed like any
   * other; a machine in or entering the pool is probed again when its BMC moved.
   */
  async syncLab(
    enrollments: LabEnrollment[],
    where = { plan: 'lab.vm.x86', metro: 'lab' },
  ): Promise<{ enrolled: string[]; updated: string[] }> {
    return this.inTransaction(async (tx) => {
      const enrolled: string[] = [];
      const updated: string[] = [];
      for (const lab of enrollments) {
        const body = MachineEnrollBody.parse({
          hostname: lab.hostname,
          plan: where.plan,
          metro: where.metro,
          macs: lab.macAddresses,
          bmc_provider: lab.bmcProvider,
          bmc_url: lab.bmcUrl,
          bmc_username: lab.bmcUsername,
          bmc_password: lab.bmcPassword,
          bmc_system_path: lab.bmcSystemPath,
        });
        const existing = await this.inventory.lockByHostname(tx, body.hostname);
        if (!existing) {
          await this.insert(tx, SYSTEM_CTX, body, 'lab', { sshPort: lab.labSshPort });
          enrolled.push(body.hostname);
          continue;
        }
        const password = this.openPassword(existing);
        const isBmcMoved =
          existing.bmc_provider !== body.bmc_provider ||
          existing.bmc_url !== (body.bmc_url ?? null) ||
          existing.bmc_username !== (body.bmc_username ?? null) ||
          existing.bmc_system_path !== (body.bmc_system_path ?? null) ||
          password !== (body.bmc_password ?? null);
        if (!isBmcMoved && existing.lab_ssh_port === lab.labSshPort && existing.is_lab) continue;
        await this.inventory.update(tx, existing.id, {
          is_lab: true,
          lab_ssh_port: lab.labSshPort,
          ...(isBmcMoved
            ? {
                bmc_provider: body.bmc_provider,
                bmc_url: body.bmc_url ?? null,
                bmc_username: body.bmc_username ?? null,
                bmc_password_encrypted: body.bmc_password ? this.secrets.seal(body.bmc_password, bmcContext(existing.id)) : null,
                bmc_system_path: body.bmc_system_path ?? null,
              }
            : {}),
        });
        await this.inventory.addMacs(tx, existing.id, body.macs);
        if (isBmcMoved && (existing.state === 'available' || existing.state === 'failed' || existing.state === 'enrolling')) {
          await this.startProbe(tx, SYSTEM_CTX, existing, body.bmc_provider, 'the lab BMC moved');
        }
        await this.audit.record(tx, SYSTEM_CTX, {
          action: 'machine.updated',
          targetType: 'machine',
          targetId: existing.id,
          summary: { hostname: existing.hostname, changed: isBmcMoved ? ['bmc', 'lab_ssh_port'] : ['lab_ssh_port'], via: 'lab' },
        });
        updated.push(body.hostname);
      }
      return { enrolled, updated };
    });
  }

  /** The stored password, or null when it no longer opens (the secret key changed): then it is replaced. */
  private openPassword(row: MachineRow): string | null {
    try {
      return row.bmc_password_encrypted ? this.secrets.open(row.bmc_password_encrypted, bmcContext(row.id)) : null;
    } catch {
      return null;
    }
  }

  // ── Changes ────────────────────────────────────────────────────────────────────────────────────

  async update(ctx: Ctx, id: string, body: MachineUpdateBody): Promise<MachineDetail> {
    const catalog = body.plan !== undefined || body.metro !== undefined ? await this.catalog.snapshot() : null;
    await this.inTransaction(async (tx) => {
      const row = await this.locked(tx, id);
      const patch: MachinePatch = {};
      const changed: string[] = [];
      const set = <K extends keyof MachinePatch>(key: K, value: MachinePatch[K], name: string) => {
        if (value === undefined) return;
        const before = row[key];
        const isSame = Buffer.isBuffer(before) || Buffer.isBuffer(value) ? false : before === value;
        if (isSame) return;
        patch[key] = value;
        changed.push(name);
      };
      if (body.plan !== undefined && !catalog?.plans.has(body.plan)) invalid('plan', `unknown plan ${JSON.stringify(body.plan)}`);
      if (body.metro !== undefined && !catalog?.metros.has(body.metro)) invalid('metro', `unknown metro ${JSON.stringify(body.metro)}`);
      set('plan_slug', body.plan, 'plan');
      set('metro_code', body.metro, 'metro');
      if ((patch.plan_slug !== undefined || patch.metro_code !== undefined) && row.server_id) {
        await this.refuseWhileInUse(tx, row, 'change its plan or metro');
      }
      set('location', body.location, 'location');
      set('serial', body.serial === undefined ? undefined : body.serial || null, 'serial');
      set('bmc_provider', body.bmc_provider, 'bmc_provider');
      set('bmc_url', body.bmc_url, 'bmc_url');
      set('bmc_username', body.bmc_username, 'bmc_username');
      set('bmc_ca_pem', body.bmc_ca_pem, 'bmc_ca_pem');
      set('bmc_is_insecure', body.bmc_insecure, 'bmc_insecure');
      set('bmc_system_path', body.bmc_system_path, 'bmc_system_path');
      if (body.bmc_password !== undefined) {
        set(
          'bmc_password_encrypted',
          body.bmc_password === null ? null : this.secrets.seal(body.bmc_password, bmcContext(id)),
          'bmc_password',
        );
      }
      const merged = {
        bmc_provider: patch.bmc_provider ?? row.bmc_provider,
        bmc_url: 'bmc_url' in patch ? patch.bmc_url : row.bmc_url,
        bmc_username: 'bmc_username' in patch ? patch.bmc_username : row.bmc_username,
        bmc_password: ('bmc_password_encrypted' in patch ? patch.bmc_password_encrypted : row.bmc_password_encrypted) ? 'set' : null,
        bmc_ca_pem: 'bmc_ca_pem' in patch ? patch.bmc_ca_pem : row.bmc_ca_pem,
        bmc_insecure: patch.bmc_is_insecure ?? row.bmc_is_insecure,
      };
      const problems = bmcProblems(merged);
      if (problems.length > 0) {
        throw new AppError('ERR_VALIDATION', problems.map((p) => `${p.field}: ${p.message}`).join('; '), { fields: problems });
      }
      if (changed.length === 0) return;
      await this.inventory.update(tx, id, patch);
      await this.audit.record(tx, ctx, {
        action: 'machine.updated',
        targetType: 'machine',
        targetId: id,
        // Names of changed fields and the plain values that are not secret; never the password.
        summary: {
          hostname: row.hostname,
          changed,
          ...(patch.plan_slug ? { plan: { from: row.plan_slug, to: patch.plan_slug } } : {}),
          ...(patch.metro_code ? { metro: { from: row.metro_code, to: patch.metro_code } } : {}),
          ...('bmc_url' in patch ? { bmc_url: patch.bmc_url } : {}),
        },
      });
      // New BMC settings are worth nothing until they work: a machine in or entering the pool is probed again.
      const isBmcChanged = changed.some((name) => name.startsWith('bmc_'));
      if (isBmcChanged && (row.state === 'available' || row.state === 'failed' || row.state === 'enrolling')) {
        await this.startProbe(tx, ctx, row, merged.bmc_provider, `BMC settings changed by ${actorOf(ctx)}`);
      }
    });
    return this.get(id);
  }

  /** Takes a machine out of the pool (from available or failed) with the operator's reason. */
  async maintenance(ctx: Ctx, id: string, reason: string): Promise<MachineDetail> {
    await this.inTransaction(async (tx) => {
      const row = await this.locked(tx, id);
      if (row.server_id) await this.refuseWhileInUse(tx, row, 'put it in maintenance');
      if (row.state !== 'available' && row.state !== 'failed') {
        fail(
          'ERR_CONFLICT',
          `Machine ${row.hostname} is ${row.state}${stateNote(row)}; only available or failed machines go to maintenance.`,
        );
      }
      await this.inventory.setState(tx, id, row.state, 'maintenance', reason, actorOf(ctx));
      await this.audit.record(tx, ctx, {
        action: 'machine.maintenance',
        targetType: 'machine',
        targetId: id,
        summary: { hostname: row.hostname, from: row.state, reason },
      });
    });
    return this.get(id);
  }

  /** Back to the pool from maintenance or failed, through a fresh probe of the BMC (manual machines: at once). */
  async makeAvailable(ctx: Ctx, id: string): Promise<MachineDetail> {
    await this.inTransaction(async (tx) => {
      const row = await this.locked(tx, id);
      if (row.server_id) await this.refuseWhileInUse(tx, row, 'return it to the pool');
      if (row.state !== 'maintenance' && row.state !== 'failed') {
        fail(
          'ERR_CONFLICT',
          `Machine ${row.hostname} is ${row.state}${stateNote(row)}; only machines in maintenance or failed return to the pool.`,
        );
      }
      await this.startProbe(tx, ctx, row, row.bmc_provider, `returned to the pool by ${actorOf(ctx)}`);
      await this.audit.record(tx, ctx, {
        action: 'machine.returned',
        targetType: 'machine',
        targetId: id,
        summary: { hostname: row.hostname, from: row.state },
      });
    });
    return this.get(id);
  }

  /**
   * Probes the BMC again and refreshes the facts. Available and failed machines wait in `enrolling`
   * for the answer (and end available or failed); a machine in maintenance stays there, with the
   * outcome on its timeline.
   */
  async reprobe(ctx: Ctx, id: string): Promise<MachineDetail> {
    await this.inTransaction(async (tx) => {
      const row = await this.locked(tx, id);
      if (row.server_id) await this.refuseWhileInUse(tx, row, 'probe it');
      if (row.bmc_provider === 'manual')
        fail('ERR_CONFLICT', `Machine ${row.hostname} uses the manual provider: there is no BMC to probe.`);
      if (row.state === 'available' || row.state === 'failed') {
        await this.inventory.setState(tx, id, row.state, 'enrolling', `reprobe requested by ${actorOf(ctx)}`, actorOf(ctx));
      } else if (row.state !== 'enrolling' && row.state !== 'maintenance') {
        fail('ERR_CONFLICT', `Machine ${row.hostname} is ${row.state}; it can be probed when it is back in the pool.`);
      }
      await this.inventory.enqueueProbe(tx, id);
      await this.audit.record(tx, ctx, {
        action: 'machine.reprobe_requested',
        targetType: 'machine',
        targetId: id,
        summary: { hostname: row.hostname, state: row.state },
      });
    });
    return this.get(id);
  }

  private async startProbe(tx: Executor, ctx: Ctx, row: MachineRow, provider: string, why: string) {
    if (provider === 'manual') {
      if (row.state !== 'available')
        await this.inventory.setState(tx, row.id, row.state, 'available', `${why}: manual provider, no BMC to probe`, actorOf(ctx));
      return;
    }
    if (row.state !== 'enrolling')
      await this.inventory.setState(tx, row.id, row.state, 'enrolling', `${why}: probing the BMC`, actorOf(ctx));
    await this.inventory.enqueueProbe(tx, row.id);
  }

  private async locked(tx: Executor, id: string): Promise<MachineRow> {
    const row = await this.inventory.lock(tx, id);
    if (!row) notFound('Machine');
    return row;
  }

  /** 409 naming the server that holds the machine. */
  private async refuseWhileInUse(tx: Executor, row: MachineRow, what: string): Promise<never> {
    const view = await this.inventory.find(tx, row.id);
    const server = view?.server_hostname
      ? `server ${view.server_hostname} (${row.server_id}${view.project_slug ? `, project ${view.project_slug}` : ''})`
      : `server ${row.server_id}`;
    const doing = row.state === 'wiping' ? 'is being wiped after' : 'is allocated to';
    return fail(
      'ERR_CONFLICT',
      `Machine ${row.hostname} ${doing} ${server}; ${what} once the server is deleted and the machine is back in the pool.`,
    );
  }

  // ── The probe job (machine_enroll) ────────────────────────────────────────────────────────────

  /**
   * Probes the BMC and inspects the hardware, then records the outcome. Idempotent: it acts only on
   * machines waiting for a probe (enrolling) or in maintenance, and drops an answer obtained with BMC
   * settings that changed meanwhile (the change queued its own probe). Provider failures are outcomes
   * (the machine fails with the reason), not job errors; only the database failing makes it retry.
   */
  async runProbe(machineId: string): Promise<ProbeOutcome> {
    const row = await this.inventory.find(this.db, machineId);
    if (!row || (row.state !== 'enrolling' && row.state !== 'maintenance')) return 'skipped';
    const settings = bmcSettingsKey(row);
    let password: string | null = null;
    let discovery: Discovery;
    try {
      password = row.bmc_password_encrypted ? this.secrets.open(row.bmc_password_encrypted, bmcContext(row.id)) : null;
      discovery =
        row.bmc_provider === 'manual'
          ? { isSupported: true, provider: 'manual', detail: 'manual provider: no BMC to probe', facts: null }
          : await discover(this.providers, accessOf(row, password), AbortSignal.timeout(this.probeTimeoutMs));
    } catch {
      discovery = {
        isSupported: false,
        provider: row.bmc_provider,
        error: new ProviderError(
          row.bmc_provider,
          'invalid',
          'the stored BMC password cannot be decrypted with this Surplus’s secret key; set bmc_password again',
        ),
      };
    }

    return this.inTransaction(async (tx) => {
      const current = await this.inventory.lock(tx, machineId);
      if (!current || (current.state !== 'enrolling' && current.state !== 'maintenance')) return 'skipped';
      if (bmcSettingsKey(current) !== settings) return 'skipped';
      let failure: string | null = null;
      let summary = '';
      if (discovery.isSupported) {
        const facts = discovery.facts;
        const discovered = facts ? uniqueMacs(facts.nics.map((nic) => nic.mac)) : [];
        const clash = (await this.inventory.macOwners(tx, discovered)).find((owner) => owner.id !== machineId);
        const reportedSerial = facts?.serial?.trim() ?? '';
        if (clash) {
          failure = `the BMC reports MAC ${clash.mac}, which belongs to machine ${clash.hostname} (${clash.id}): is this BMC enrolled twice, or is bmc_url wrong?`;
        } else if (current.serial && reportedSerial && current.serial.trim().toUpperCase() !== reportedSerial.toUpperCase()) {
          failure = `serial mismatch: enrolled as ${current.serial}, the BMC reports ${reportedSerial}: is bmc_url the right BMC?`;
        }
        await this.inventory.update(tx, machineId, {
          ...(facts && !current.serial && reportedSerial ? { serial: reportedSerial } : {}),
          ...(facts?.systemPath && !current.bmc_system_path ? { bmc_system_path: facts.systemPath } : {}),
        });
        await this.inventory.setFacts(tx, machineId, toStoredFacts(discovery.provider, discovery.detail, facts));
        if (!failure) await this.inventory.addMacs(tx, machineId, discovered);
        summary = `${discovery.provider}: ${discovery.detail}${facts ? `; ${describeFacts(facts)}` : ''}`;
      } else {
        failure = describeProbeFailure(discovery.error);
      }
      if (failure) failure = scrub(failure, password);
      summary = scrub(summary, password);

      let outcome: ProbeOutcome;
      if (current.state === 'maintenance') {
        await this.inventory.insertEvent(
          tx,
          machineId,
          'maintenance',
          'maintenance',
          failure ? `reprobe failed — ${failure}` : `reprobe ok — ${summary}`,
          'system',
        );
        outcome = 'refreshed';
      } else if (failure) {
        await this.inventory.setState(tx, machineId, 'enrolling', 'failed', failure, 'system');
        outcome = 'failed';
      } else {
        await this.inventory.setState(tx, machineId, 'enrolling', 'available', `BMC probe ok — ${summary}`, 'system');
        outcome = 'available';
      }
      await this.audit.record(tx, SYSTEM_CTX, {
        action: 'machine.probed',
        targetType: 'machine',
        targetId: machineId,
        summary: { hostname: current.hostname, outcome, provider: discovery.provider, ...(failure ? { reason: failure } : {}) },
      });
      return outcome;
    });
  }

  /** Runs a transaction, turning a hostname that another enrollment took meanwhile into a 409. */
  private async inTransaction<T>(work: (tx: Executor) => Promise<T>): Promise<T> {
    try {
      return await this.db.transaction().execute(work);
    } catch (error) {
      const pgError = error as { code?: string; constraint?: string; detail?: string };
      if (pgError.code === '23505' && pgError.constraint === 'machines_hostname_key') {
        const hostname = /\(hostname\)=\(([^)]*)\)/.exec(pgError.detail ?? '')?.[1] ?? 'that hostname';
        fail('ERR_CONFLICT', `${hostname} is already enrolled.`, [{ field: 'hostname', message: `${hostname} is already enrolled` }]);
      }
      throw error;
    }
  }
}

// ── Mapping ──────────────────────────────────────────────────────────────────────────────────────

function initialState(body: MachineEnrollBody): 'enrolling' | 'available' {
  return body.bmc_provider === 'manual' ? 'available' : 'enrolling';
}

/** The AEAD context of a machine's BMC password: a sealed password copied to another row fails to open. */
export function bmcContext(machineId: string) {
  return `machine:${machineId}:bmc`;
}

function accessOf(row: MachineRow, password: string | null): MachineAccess {
  return {
    machineId: row.id,
    provider: row.bmc_provider,
    url: row.bmc_url,
    username: row.bmc_username,
    password,
    caPem: row.bmc_ca_pem,
    isInsecure: row.bmc_is_insecure,
    systemPath: row.bmc_system_path,
  };
}

/** What a probe's answer depends on: an answer for other settings than the current ones is stale. */
function bmcSettingsKey(row: MachineRow) {
  return JSON.stringify([
    row.bmc_provider,
    row.bmc_url,
    row.bmc_username,
    row.bmc_password_encrypted?.toString('base64') ?? null,
    row.bmc_ca_pem,
    row.bmc_is_insecure,
    row.bmc_system_path,
  ]);
}

function uniqueMacs(values: string[]) {
  const macs = new Set<string>();
  for (const value of values) {
    const result = normalizeMac(value);
    if ('mac' in result) macs.add(result.mac);
  }
  return [...macs].sort();
}

function toStoredFacts(provider: string, detail: string, facts: ProviderFacts | null): MachineFacts {
  return {
    provider,
    probe_detail: detail,
    inspected_at: new Date().toISOString(),
    manufacturer: facts?.manufacturer ?? null,
    model: facts?.model ?? null,
    serial: facts?.serial ?? null,
    cpu: { model: facts?.cpu.model ?? null, sockets: facts?.cpu.sockets ?? null, cores: facts?.cpu.cores ?? null },
    memory_gb: facts?.memoryGb ?? null,
    nics: (facts?.nics ?? []).map((nic) => {
      const normalized = normalizeMac(nic.mac);
      return { mac: 'mac' in normalized ? normalized.mac : nic.mac, speed_mbps: nic.speedMbps };
    }),
    power_state: facts?.powerState ?? 'unknown',
    system_path: facts?.systemPath ?? null,
  };
}

function describeFacts(facts: ProviderFacts) {
  const parts = [
    [facts.manufacturer, facts.model].filter(Boolean).join(' ') || null,
    facts.cpu.cores !== null ? `${facts.cpu.cores} cores` : null,
    facts.memoryGb !== null ? `${facts.memoryGb} GB` : null,
    `${facts.nics.length} NIC${facts.nics.length === 1 ? '' : 's'}`,
    `power ${facts.powerState}`,
  ];
  return parts.filter(Boolean).join(', ');
}

/** Provider messages should never carry the password; this makes sure none reaches a row or a log. */
function scrub(text: string, password: string | null) {
  return password && password.length >= 4 ? text.split(password).join('****') : text;
}

function stateNote(row: MachineRow) {
  return row.state_reason ? ` (${row.state_reason})` : '';
}

function decodeHostnameCursor(cursor: string | undefined): string | undefined {
  if (cursor === undefined) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {}
  const [tag, hostname] = Array.isArray(value) ? value : [];
  if (tag !== 'h' || typeof hostname !== 'string' || !/^[a-z0-9-]{1,63}$/.test(hostname))
    invalid('cursor', 'is not a cursor this API issued');
  return hostname;
}

function readFacts(stored: Record<string, unknown>): MachineFacts | null {
  if (typeof stored.inspected_at !== 'string') return null;
  const text = (value: unknown) => (typeof value === 'string' ? value : null);
  const integer = (value: unknown) => (typeof value === 'number' && Number.isInteger(value) ? value : null);
  const cpu = (stored.cpu ?? {}) as Record<string, unknown>;
  const power = stored.power_state;
  return {
    provider: text(stored.provider) ?? '',
    probe_detail: text(stored.probe_detail) ?? '',
    inspected_at: stored.inspected_at,
    manufacturer: text(stored.manufacturer),
    model: text(stored.model),
    serial: text(stored.serial),
    cpu: { model: text(cpu.model), sockets: integer(cpu.sockets), cores: integer(cpu.cores) },
    memory_gb: typeof stored.memory_gb === 'number' ? stored.memory_gb : null,
    nics: Array.isArray(stored.nics)
      ? stored.nics
          .filter((nic): nic is Record<string, unknown> => typeof nic === 'object' && nic !== null && typeof nic.mac === 'string')
          .map((nic) => ({ mac: nic.mac as string, speed_mbps: integer(nic.speed_mbps) }))
      : [],
    power_state: power === 'on' || power === 'off' ? power : 'unknown',
    system_path: text(stored.system_path),
  };
}

export function toMachine(row: MachineView): Machine {
  return {
    id: row.id,
    hostname: row.hostname,
    serial: row.serial,
    plan: row.plan_slug,
    metro: row.metro_code,
    location: row.location,
    macs: row.macs,
    state: row.state,
    state_reason: row.state_reason,
    bmc_provider: row.bmc_provider,
    bmc_url: row.bmc_url,
    bmc_username: row.bmc_username,
    has_bmc_password: row.bmc_password_encrypted !== null,
    bmc_ca_pem: row.bmc_ca_pem,
    bmc_insecure: row.bmc_is_insecure,
    bmc_system_path: row.bmc_system_path,
    is_lab: row.is_lab,
    facts: readFacts(row.facts),
    server:
      row.server_id && row.server_hostname && row.project_id
        ? {
            id: row.server_id,
            hostname: row.server_hostname,
            state: row.server_state ?? 'unknown',
            project: { id: row.project_id, slug: row.project_slug ?? '', name: row.project_name ?? '' },
          }
        : null,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  };
}
