/**
 * Picks the provider(s) for a machine — its own (machines.bmc_provider) first, then the configured
 * fallbacks in order, moving on only when a provider says a capability is `unsupported` — and records
 * every action in bmc_actions under the workflow's idempotency key, with the provider that acted.
 *
 * A key whose action is done is not done again: a workflow re-run after a crash gets the recorded
 * outcome. A key left `started` (the process died mid-call) or `failed` is tried again; the actions
 * workflows use are safe to repeat (power on/off, a boot override) or end in the same state (a reset
 * of a machine that is booting anyway). A manual step is filed `pending` until an operator confirms it.
 *
 * The registry is what workflows call (servers/machine-control.ts's MachineControl: powerState,
 * setPower, bootOnce) and what enrollment asks for providers by name (`get`).
 */
import type { Selectable } from 'kysely';
import type { SecretBox } from '../crypto/secret-box.ts';
import type { Executor } from '../db/database.ts';
import type { MachinesTable } from '../db/schema.ts';
import type { BmcActionRow, BmcActionsRepository } from './bmc-actions.repository.ts';
import { ManualActions } from './manual/manual-actions.ts';
import { MANUAL_PROVIDER } from './manual/manual-provider.ts';
import type { BootDevice, Connection, MachineAccess, PowerAction, PowerState, Provider } from './types.ts';
import { ProviderError } from './types.ts';

type MachineRow = Selectable<MachinesTable>;

export type BmcActionRequest =
  | { kind: 'power'; action: PowerAction }
  | { kind: 'boot'; device: BootDevice }
  | { kind: 'insert_media'; imageUrl: string }
  | { kind: 'eject_media' };

export type ProviderRegistryOptions = {
  db: Executor;
  actions: BmcActionsRepository;
  providers: Provider[];
  /** Providers tried after the machine's own, in order, when it cannot do a step (e.g. ['redfish', 'manual']). */
  fallbackOrder?: string[];
  /** Opens sealed BMC passwords. */
  secrets: SecretBox;
  /** The AEAD context a machine's BMC password is sealed under (the inventory's: machine:<id>:bmc). */
  passwordContext?: (machineId: string) => string;
  /** How often awaitConfirmation re-reads a pending manual step. */
  manualPollMs?: number;
};

export function describeRequest(request: BmcActionRequest): string {
  switch (request.kind) {
    case 'power':
      return `power:${request.action}`;
    case 'boot':
      return `boot:${request.device}`;
    case 'insert_media':
      return 'media:insert';
    case 'eject_media':
      return 'media:eject';
  }
}

/** Calls the capability for the request; undefined when the connection lacks it. */
function capability(connection: Connection, request: BmcActionRequest, signal: AbortSignal): Promise<void> | undefined {
  switch (request.kind) {
    case 'power':
      return connection.power?.setPower(request.action, signal);
    case 'boot':
      return connection.boot?.setOneTimeBoot(request.device, signal);
    case 'insert_media':
      return connection.media?.insertMedia(request.imageUrl, signal);
    case 'eject_media':
      return connection.media?.ejectMedia(signal);
  }
}

export class ProviderRegistry {
  readonly manual: ManualActions;
  private readonly db: Executor;
  private readonly actions: BmcActionsRepository;
  private readonly providers = new Map<string, Provider>();
  private readonly fallbackOrder: string[];
  private readonly secrets: SecretBox;
  private readonly passwordContext: (machineId: string) => string;

  constructor(options: ProviderRegistryOptions) {
    this.db = options.db;
    this.actions = options.actions;
    for (const provider of options.providers) this.providers.set(provider.name, provider);
    this.fallbackOrder = options.fallbackOrder ?? [];
    for (const name of this.fallbackOrder) if (!this.providers.has(name)) throw new Error(`fallback provider "${name}" is not registered`);
    this.secrets = options.secrets;
    this.passwordContext = options.passwordContext ?? ((machineId) => `machine:${machineId}:bmc`);
    this.manual = new ManualActions(options.db, options.actions, { pollMs: options.manualPollMs });
  }

  /** A provider by name (what enrollment's probe needs). */
  get(name: string): Provider | undefined {
    return this.providers.get(name);
  }

  /** The providers to try for a machine whose own provider is `own`: it first, then the fallbacks. */
  candidates(own: string): Provider[] {
    const names = [own, ...this.fallbackOrder.filter((name) => name !== own)];
    return names.map((name) => this.providers.get(name)).filter((provider): provider is Provider => !!provider);
  }

  /** A machine row's BMC access, its password opened. Never log the result. */
  access(machine: MachineRow): MachineAccess {
    let password: string | null = null;
    try {
      password = machine.bmc_password_encrypted
        ? this.secrets.open(machine.bmc_password_encrypted, this.passwordContext(machine.id))
        : null;
    } catch {
      throw new ProviderError(
        machine.bmc_provider,
        'invalid',
        `the BMC password of ${machine.hostname} cannot be decrypted: was SURPLUS_SECRET_KEY changed? Enter the password again`,
      );
    }
    return {
      machineId: machine.id,
      provider: machine.bmc_provider,
      url: machine.bmc_url,
      username: machine.bmc_username,
      password,
      caPem: machine.bmc_ca_pem,
      isInsecure: machine.bmc_is_insecure,
      systemPath: machine.bmc_system_path,
    };
  }

  /**
   * Runs `fn` with a connection from the first candidate that connects (moving on when one says it
   * cannot serve this machine at all), and closes it afterwards.
   */
  async withConnection<T>(access: MachineAccess, fn: (connection: Connection) => Promise<T>, signal: AbortSignal): Promise<T> {
    const candidates = this.candidates(access.provider);
    if (candidates.length === 0)
      throw new ProviderError(access.provider, 'unsupported', `no ${access.provider} provider is configured on this Surplus`);
    let lastError: ProviderError | null = null;
    for (const provider of candidates) {
      let connection: Connection;
      try {
        connection = await provider.connect(access, signal);
      } catch (error) {
        if (error instanceof ProviderError && error.kind === 'unsupported') {
          lastError = error;
          continue;
        }
        throw error;
      }
      try {
        return await fn(connection);
      } finally {
        await connection.close().catch(() => {});
      }
    }
    throw lastError as ProviderError;
  }

  /**
   * Does the action once under `key`. Throws ProviderError: `awaiting_operator` while a manual step is
   * pending (re-run later, or manual.awaitConfirmation(key)), `unsupported` when no candidate can do
   * it, or the acting provider's error (the row then says `failed` with it).
   */
  async perform(
    machine: MachineRow,
    key: string,
    request: BmcActionRequest,
    signal: AbortSignal,
    andThen?: () => Promise<unknown>,
  ): Promise<BmcActionRow> {
    const action = describeRequest(request);
    const candidates = this.candidates(machine.bmc_provider);
    const first = candidates[0]?.name ?? machine.bmc_provider;
    let access: MachineAccess | null = null;
    let accessError: unknown = null;
    try {
      access = this.access(machine);
    } catch (error) {
      accessError = error;
    }
    // The first provider connects (a Redfish connection reads the system) while the attempt is
    // recorded: reading has no effect, and the action itself waits for the record.
    const connecting = access && candidates[0] ? candidates[0].connect(access, signal) : null;
    connecting?.catch(() => {});
    // Hands the connection back without waiting for it: nothing is done on it.
    const unused = () => void connecting?.then((connection) => connection.close()).catch(() => {});
    // One statement records the attempt, or finds the action done (or filed for an operator) before.
    const claim = await this.actions
      .claim(this.db, { key, machineId: machine.id, action, provider: first, detail: { request } })
      .catch((error) => {
        unused();
        throw error;
      });
    if (!claim.isClaimed) {
      unused();
      const recorded = claim.row;
      if (recorded.outcome === 'done') {
        await andThen?.();
        return recorded;
      }
      const instruction = typeof recorded.detail.instruction === 'string' ? recorded.detail.instruction : action;
      throw new ProviderError(recorded.provider, 'awaiting_operator', instruction);
    }
    if (!access) {
      if (first !== machine.bmc_provider)
        await this.actions.start(this.db, { key, machineId: machine.id, action, provider: machine.bmc_provider, detail: { request } });
      await this.actions.finish(this.db, key, 'failed', { error: (accessError as Error).message, error_kind: 'invalid' });
      throw accessError;
    }
    const skipped: string[] = [];
    let actedBy: string | null = null;
    for (const [index, provider] of candidates.entries()) {
      if (index > 0)
        await this.actions.start(this.db, { key, machineId: machine.id, action, provider: provider.name, detail: { request } });
      try {
        const connection = index === 0 && connecting ? await connecting : await provider.connect(access, signal);
        try {
          const call = capability(connection, request, signal);
          if (!call) throw new ProviderError(provider.name, 'unsupported', `the ${provider.name} provider cannot do ${action}`);
          await call;
        } finally {
          await connection.close().catch(() => {});
        }
        actedBy = provider.name;
        break;
      } catch (error) {
        if (!(error instanceof ProviderError)) {
          await this.actions.finish(this.db, key, 'failed', { error: (error as Error).message ?? String(error) });
          throw error;
        }
        if (error.kind === 'awaiting_operator') {
          await this.actions.finish(this.db, key, 'pending', { instruction: error.message, ...(skipped.length ? { skipped } : {}) });
          throw error;
        }
        if (error.kind === 'unsupported') {
          skipped.push(`${provider.name}: ${error.message}`);
          continue;
        }
        await this.actions.finish(this.db, key, 'failed', {
          error: error.message,
          error_kind: error.kind,
          ...(skipped.length ? { skipped } : {}),
        });
        throw error;
      }
    }
    if (actedBy === null) {
      const message = skipped.length ? skipped.join('; ') : `no provider is configured for ${machine.bmc_provider}`;
      await this.actions.finish(this.db, key, 'failed', { error: message, error_kind: 'unsupported' });
      throw new ProviderError(machine.bmc_provider, 'unsupported', `${action} on ${machine.hostname}: ${message}`);
    }
    // The BMC has acted. The workflow's next step need not wait for the record: both go to the
    // database at once. Either failing is the workflow's error, never the BMC's: the action stays
    // recorded as started (or done), not failed.
    const [done] = await Promise.all([
      this.actions.finish(this.db, key, 'done', { provider: actedBy, ...(skipped.length ? { skipped } : {}) }),
      andThen?.(),
    ]);
    return done as BmcActionRow;
  }

  // ── MachineControl (servers/machine-control.ts) ──────────────────────────────────────────────

  /** The machine's power state through its first candidate that can tell ('unknown' for manual machines). */
  powerState(machine: MachineRow, signal: AbortSignal): Promise<PowerState> {
    return this.withConnection(
      this.access(machine),
      async (connection) => (await connection.power?.powerState(signal)) ?? 'unknown',
      signal,
    );
  }

  async setPower(machine: MachineRow, action: PowerAction, key: string, signal: AbortSignal, andThen?: () => Promise<unknown>) {
    await this.perform(machine, key, { kind: 'power', action }, signal, andThen);
  }

  async bootOnce(machine: MachineRow, device: BootDevice, key: string, signal: AbortSignal, andThen?: () => Promise<unknown>) {
    await this.perform(machine, key, { kind: 'boot', device }, signal, andThen);
  }

  /**
   * The key of a manual step under `keyPrefix` that is pending or confirmed, so a re-run does not
   * file it again. A machine whose providers do not include the manual one has no such step: no
   * query (it ran before every boot override of every machine).
   */
  async operatorStepKey(machine: MachineRow, keyPrefix: string): Promise<string | null> {
    if (!this.candidates(machine.bmc_provider).some((provider) => provider.name === MANUAL_PROVIDER)) return null;
    return (await this.actions.latestOperatorStep(this.db, keyPrefix))?.idempotency_key ?? null;
  }

  /** Logs out of what providers keep between calls (BMC sessions): on shutdown, after the last job. */
  async close(): Promise<void> {
    await Promise.all([...this.providers.values()].map((provider) => provider.close?.()));
  }

  /** Resolves once an operator confirmed the manual step filed under `key`. */
  awaitConfirmation(key: string, signal: AbortSignal): Promise<BmcActionRow> {
    return this.manual.awaitConfirmation(key, signal);
  }
}
