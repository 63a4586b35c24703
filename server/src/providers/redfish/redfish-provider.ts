/**
 * The Redfish provider: one ComputerSystem behind a BMC, driven through the capability interfaces.
 * Power maps onto `ComputerSystem.Reset` with a ResetType the system allows; one-time boot onto a PATCH
 * of `Boot`; virtual media onto `InsertMedia`/`EjectMedia` of a CD/DVD slot under the System or its
 * Manager; inspection onto the system, its processors, memory and Ethernet interfaces.
 */
import type {
  BootController,
  BootDevice,
  Connection,
  Feature,
  Inspector,
  MachineAccess,
  MachineFacts,
  MediaController,
  PowerAction,
  PowerController,
  PowerState,
  ProbeResult,
  Provider,
} from '../types.ts';
import { ProviderError } from '../types.ts';
import { type Json, RedfishClient, type RedfishClientOptions, type RedfishEndpoint } from './redfish-client.ts';
import { type RedfishSessionOptions, RedfishSessions, type SystemMemo } from './redfish-sessions.ts';

export type RedfishProviderOptions = RedfishClientOptions &
  RedfishSessionOptions & {
    /** The provider's name in the registry and in bmc_actions ('redfish'; 'lab' for the lab pool). */
    name?: string;
    /** How often, and how long, to poll PowerState between the ForceOff and the On of an off+on cycle. */
    powerPollMs?: number;
    powerWaitMs?: number;
  };

/** Redfish's BootSourceOverrideTarget for each boot device. */
export const BOOT_TARGETS: Record<BootDevice, string> = { pxe: 'Pxe', uefi_http: 'UefiHttp', disk: 'Hdd', cd: 'Cd' };

/**
 * For each power action, the ResetType sequences that do it, preferred first. A sequence is chosen
 * only when the system allows every ResetType in it.
 */
export const RESET_PREFERENCES: Record<PowerAction, string[][]> = {
  on: [['On'], ['ForceOn']],
  off: [['ForceOff']],
  soft_off: [['GracefulShutdown']],
  cycle: [['PowerCycle'], ['ForceRestart'], ['ForceOff', 'On']],
  reset: [['ForceRestart'], ['PowerCycle'], ['ForceOff', 'On']],
};

export type ResetPlan = { steps: string[]; note: string } | { error: string };

/**
 * Chooses the ResetType(s) for a power action from the system's allowable values (null: the BMC does
 * not say, so every standard value is assumed allowed) and its current power state: nothing to do
 * for on-when-on or off-when-off, and a machine that is off is simply powered on to cycle or reset it.
 */
export function planReset(action: PowerAction, allowed: readonly string[] | null, state: PowerState): ResetPlan {
  if (state === 'on' && action === 'on') return { steps: [], note: 'already on' };
  if (state === 'off' && (action === 'off' || action === 'soft_off')) return { steps: [], note: 'already off' };
  const wanted: PowerAction = state === 'off' && (action === 'cycle' || action === 'reset') ? 'on' : action;
  const preferences = RESET_PREFERENCES[wanted];
  const choice = preferences.find((steps) => steps.every((step) => allowed === null || allowed.includes(step)));
  if (!choice) {
    const needed = preferences.map((steps) => steps.join('+')).join(' or ');
    return { error: `the system allows ResetType ${allowed?.join(', ') || '(none)'}, not ${needed} (needed to ${describeAction(wanted)})` };
  }
  return { steps: choice, note: wanted === action ? choice.join('+') : `${choice.join('+')} (the machine was off)` };
}

function describeAction(action: PowerAction): string {
  return { on: 'power on', off: 'power off', soft_off: 'shut down gracefully', cycle: 'power cycle', reset: 'reset' }[action];
}

const MAC = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/;

function odataId(value: unknown): string | null {
  const id = (value as Json | undefined)?.['@odata.id'];
  return typeof id === 'string' ? id : null;
}

function text(value: unknown): string | null {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : null;
}

function count(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

/** Redfish PowerState → ours. PoweringOff and Paused are still on: a waiter for "off" keeps waiting. */
export function toPowerState(value: unknown): PowerState {
  if (value === 'Off') return 'off';
  if (value === 'On' || value === 'PoweringOn' || value === 'PoweringOff' || value === 'Paused') return 'on';
  return 'unknown';
}

export class RedfishProvider implements Provider {
  readonly name: string;
  readonly features: readonly Feature[] = ['power', 'boot', 'media', 'inspect'];
  private readonly options: RedfishProviderOptions;
  private readonly sessions: RedfishSessions;

  constructor(options: RedfishProviderOptions = {}) {
    this.name = options.name ?? 'redfish';
    this.options = options;
    this.sessions = new RedfishSessions(
      (endpoint, signal) => RedfishClient.connect(endpoint, { ...this.options, providerName: this.name }, signal),
      options,
    );
  }

  /** Logs out of the sessions kept for later calls (on shutdown). */
  close(): Promise<void> {
    return this.sessions.close();
  }

  /**
   * Checks, in order: the URL, TLS, that a Redfish service answers, the credentials, that exactly one
   * system is meant (or the configured one exists), and that it can be reset. Says which failed.
   */
  async probe(access: MachineAccess, signal: AbortSignal): Promise<ProbeResult> {
    let system: RedfishSystem | null = null;
    try {
      // A probe checks the BMC as it is now: its own login, nothing remembered.
      const client = await RedfishClient.connect(this.endpoint(access), { ...this.options, providerName: this.name }, signal);
      try {
        system = new RedfishSystem(client, (await this.selectSystem(client, access.systemPath, signal)).path, this.name, this.options);
      } catch (error) {
        await client.close();
        throw error;
      }
      const body = await system.client.get(system.path, signal);
      if (!(body.Actions as Json | undefined)?.['#ComputerSystem.Reset'])
        throw new ProviderError(
          this.name,
          'unsupported',
          `system ${system.path} offers no #ComputerSystem.Reset action: it cannot be power controlled`,
        );
      const targets = (body.Boot as Json | undefined)?.['BootSourceOverrideTarget@Redfish.AllowableValues'];
      const boot = Array.isArray(targets) ? `boot targets ${targets.join(', ')}` : 'boot targets not advertised';
      const vendor = [text(body.Manufacturer), text(body.Model)].filter(Boolean).join(' ') || 'unknown model';
      const auth = system.client.authMode === 'session' ? 'session login' : system.client.authMode === 'basic' ? 'basic auth' : 'no auth';
      return {
        isSupported: true,
        detail: `Redfish ${system.client.redfishVersion ?? '(version not given)'} at ${system.client.origin}, ${auth}; system ${system.path} (${vendor}), power ${toPowerState(body.PowerState)}, ${boot}`,
      };
    } catch (error) {
      if (error instanceof ProviderError) return { isSupported: false, error };
      throw error;
    } finally {
      await system?.client.close();
    }
  }

  /**
   * A connection on the BMC session kept for this BMC and user (logged in on first use), with what
   * the BMC says about the machine's system: every call starts by reading it, so the read starts as
   * the connection opens (while the caller records the action it is about to take, say) and the
   * first call takes it. Closing it hands the session back; an error on it retires the session and
   * forgets the system, so the next call starts afresh.
   */
  async connect(access: MachineAccess, signal: AbortSignal): Promise<Connection> {
    const lease = await this.sessions.lease(this.endpoint(access), signal);
    const memoKey = `${access.machineId}\n${access.systemPath ?? ''}`;
    try {
      let memo = lease.system(memoKey);
      let read: Promise<SystemRead> | null = null;
      if (memo) {
        read = lease.client.getWithEtag(memo.path, signal);
      } else {
        const selected = await this.selectSystem(lease.client, access.systemPath, signal);
        memo = { path: selected.path, reset: null };
        read = selected.read ? Promise.resolve(selected.read) : null;
        lease.remember(memoKey, memo);
      }
      // A connection closed before any call leaves its read unused: its failure is nobody's error.
      const settled = read?.then(
        () => {},
        () => {},
      );
      const system = new RedfishSystem(lease.client, memo.path, this.name, this.options, memo, read);
      const close = async () => {
        await settled;
        await lease.release();
      };
      return { provider: this.name, power: system, boot: system, media: system, inspect: system, close };
    } catch (error) {
      await lease.release();
      throw error;
    }
  }

  private endpoint(access: MachineAccess): RedfishEndpoint {
    if (!access.url) throw new ProviderError(this.name, 'invalid', 'the machine has no BMC URL');
    return { url: access.url, username: access.username, password: access.password, caPem: access.caPem, isInsecure: access.isInsecure };
  }

  /**
   * The system to drive: the configured path once the BMC confirmed it (that read comes back too, so
   * the connection's first call need not repeat it), or the only system the BMC lists.
   */
  private async selectSystem(
    client: RedfishClient,
    configured: string | null,
    signal: AbortSignal,
  ): Promise<{ path: string; read: SystemRead | null }> {
    const collection = odataId(client.root.Systems);
    if (configured) {
      try {
        return { path: configured, read: await client.getWithEtag(configured, signal) };
      } catch (error) {
        if (!(error instanceof ProviderError) || error.kind !== 'not_found' || !collection) throw error;
        const members = await listMembers(client, collection, signal).catch(() => []);
        throw new ProviderError(
          this.name,
          'not_found',
          `the BMC has no system at ${configured}; it lists ${members.length ? members.join(', ') : 'no systems'}`,
        );
      }
    }
    if (!collection)
      throw new ProviderError(this.name, 'unsupported', `the Redfish service at ${client.origin} links no Systems collection`);
    const members = await listMembers(client, collection, signal);
    if (members.length === 1) return { path: members[0] as string, read: null };
    if (members.length === 0) throw new ProviderError(this.name, 'not_found', `the BMC at ${client.origin} lists no systems`);
    throw new ProviderError(
      this.name,
      'invalid',
      `the BMC at ${client.origin} manages ${members.length} systems (${members.join(', ')}): give the system path to use`,
    );
  }
}

/** Member paths of a Redfish collection, following `Members@odata.nextLink` pages. */
export async function listMembers(client: RedfishClient, path: string, signal: AbortSignal): Promise<string[]> {
  const members: string[] = [];
  let next: string | null = path;
  for (let page = 0; next && page < 50; page++) {
    const body: Json = await client.get(next, signal);
    for (const member of Array.isArray(body.Members) ? body.Members : []) {
      const id = odataId(member);
      if (id) members.push(id);
    }
    next = text(body['Members@odata.nextLink']);
  }
  return members;
}

type MediaSlot = { path: string; body: Json };

/** A GET of the system: its body and ETag. */
type SystemRead = { body: Json; etag: string | null };

class RedfishSystem implements PowerController, BootController, MediaController, Inspector {
  readonly client: RedfishClient;
  readonly path: string;
  private readonly provider: string;
  private readonly powerPollMs: number;
  private readonly powerWaitMs: number;
  /** The system's path and Reset action as the BMC gave them (shared with later connections for a while). */
  private readonly memo: SystemMemo;
  /** The GET of the system started as this connection opened: what its first call reads. */
  private fresh: Promise<SystemRead> | null;

  constructor(
    client: RedfishClient,
    path: string,
    provider: string,
    options: RedfishProviderOptions,
    memo?: SystemMemo,
    fresh: Promise<SystemRead> | null = null,
  ) {
    this.client = client;
    this.path = path;
    this.provider = provider;
    this.powerPollMs = options.powerPollMs ?? 1_000;
    this.powerWaitMs = options.powerWaitMs ?? 60_000;
    this.memo = memo ?? { path, reset: null };
    this.fresh = fresh;
  }

  /** The system as the BMC has it now: the read started as the connection opened, once, else a GET. */
  private async read(signal: AbortSignal): Promise<SystemRead> {
    const fresh = this.fresh;
    this.fresh = null;
    return fresh ?? this.client.getWithEtag(this.path, signal);
  }

  async powerState(signal: AbortSignal): Promise<PowerState> {
    return toPowerState((await this.read(signal)).body.PowerState);
  }

  async setPower(action: PowerAction, signal: AbortSignal): Promise<void> {
    const { body: system } = await this.read(signal);
    const { target, allowed } = await this.resetAction(system, signal);
    const plan = planReset(action, allowed, toPowerState(system.PowerState));
    if ('error' in plan)
      throw new ProviderError(this.provider, 'unsupported', `cannot ${describeAction(action)} ${this.path}: ${plan.error}`);
    for (const [index, resetType] of plan.steps.entries()) {
      if (index > 0) await this.waitForPower('off', signal);
      // Only reaching a state is safe to repeat; a repeated restart would restart twice.
      const isIdempotent = ['On', 'ForceOn', 'ForceOff', 'GracefulShutdown'].includes(resetType);
      await this.client.post(target, { ResetType: resetType }, signal, { isIdempotent });
    }
  }

  private async waitForPower(wanted: PowerState, signal: AbortSignal) {
    const deadline = Date.now() + this.powerWaitMs;
    for (;;) {
      if ((await this.powerState(signal)) === wanted) return;
      if (Date.now() > deadline)
        throw new ProviderError(this.provider, 'retryable', `${this.path} did not reach power ${wanted} within ${this.powerWaitMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, this.powerPollMs));
      if (signal.aborted)
        throw new ProviderError(this.provider, 'retryable', `cancelled while waiting for ${this.path} to reach power ${wanted}`);
    }
  }

  /** The Reset target and its allowable ResetTypes: inline, or from the action's @Redfish.ActionInfo. */
  private async resetAction(system: Json, signal: AbortSignal): Promise<{ target: string; allowed: string[] | null }> {
    if (this.memo.reset) return this.memo.reset;
    const action = (system.Actions as Json | undefined)?.['#ComputerSystem.Reset'] as Json | undefined;
    const target = text(action?.target);
    if (!action || !target)
      throw new ProviderError(this.provider, 'unsupported', `system ${this.path} offers no #ComputerSystem.Reset action`);
    let allowed: string[] | null = Array.isArray(action['ResetType@Redfish.AllowableValues'])
      ? (action['ResetType@Redfish.AllowableValues'] as unknown[]).filter((v): v is string => typeof v === 'string')
      : null;
    const info = text(action['@Redfish.ActionInfo']);
    if (!allowed && info) {
      const body = await this.client.get(info, signal);
      const parameter = (Array.isArray(body.Parameters) ? (body.Parameters as Json[]) : []).find((p) => p.Name === 'ResetType');
      if (Array.isArray(parameter?.AllowableValues))
        allowed = (parameter.AllowableValues as unknown[]).filter((v): v is string => typeof v === 'string');
    }
    this.memo.reset = { target, allowed };
    return this.memo.reset;
  }

  async setOneTimeBoot(device: BootDevice, signal: AbortSignal): Promise<void> {
    const target = BOOT_TARGETS[device];
    const { body, etag } = await this.read(signal);
    const boot = (body.Boot ?? {}) as Json;
    const allowed = boot['BootSourceOverrideTarget@Redfish.AllowableValues'];
    if (Array.isArray(allowed) && !allowed.includes(target))
      throw new ProviderError(
        this.provider,
        'unsupported',
        `${this.path} cannot boot once from ${target}: its boot override targets are ${allowed.join(', ')}`,
      );
    const patch: Json = { BootSourceOverrideEnabled: 'Once', BootSourceOverrideTarget: target };
    // HTTP boot exists only in UEFI mode; a BMC set to Legacy would ignore the target.
    if (device === 'uefi_http' && typeof boot.BootSourceOverrideMode === 'string' && boot.BootSourceOverrideMode !== 'UEFI')
      patch.BootSourceOverrideMode = 'UEFI';
    await this.client.patch(this.path, { Boot: patch }, signal, etag);
  }

  async insertMedia(imageUrl: string, signal: AbortSignal): Promise<void> {
    const slot = await this.cdSlot(signal);
    if (slot.body.Inserted === true && slot.body.Image === imageUrl) return;
    const action = (slot.body.Actions as Json | undefined)?.['#VirtualMedia.InsertMedia'] as Json | undefined;
    const target = text(action?.target);
    if (!action || !target)
      throw new ProviderError(this.provider, 'unsupported', `virtual media slot ${slot.path} offers no #VirtualMedia.InsertMedia action`);
    // Another image in the slot: most BMCs refuse to insert over it.
    if (slot.body.Inserted === true) await this.eject(slot, signal);
    const body: Json = { Image: imageUrl };
    const info = text(action['@Redfish.ActionInfo']);
    const names = info ? await this.parameterNames(info, signal) : null;
    // Send the optional parameters the BMC knows (its ActionInfo says which); without ActionInfo, the standard ones.
    if (!names || names.includes('Inserted')) body.Inserted = true;
    if (!names || names.includes('WriteProtected')) body.WriteProtected = true;
    if (names?.includes('Writable')) body.Writable = false;
    await this.client.post(target, body, signal, { isIdempotent: true });
  }

  async ejectMedia(signal: AbortSignal): Promise<void> {
    const slot = await this.cdSlot(signal);
    if (slot.body.Inserted === false) return;
    await this.eject(slot, signal);
  }

  private async eject(slot: MediaSlot, signal: AbortSignal) {
    const target = text(((slot.body.Actions as Json | undefined)?.['#VirtualMedia.EjectMedia'] as Json | undefined)?.target);
    if (!target)
      throw new ProviderError(this.provider, 'unsupported', `virtual media slot ${slot.path} offers no #VirtualMedia.EjectMedia action`);
    await this.client.post(target, {}, signal, { isIdempotent: true });
  }

  private async parameterNames(info: string, signal: AbortSignal): Promise<string[] | null> {
    try {
      const body = await this.client.get(info, signal);
      return (Array.isArray(body.Parameters) ? (body.Parameters as Json[]) : []).map((p) => String(p.Name));
    } catch (error) {
      if (error instanceof ProviderError && error.kind === 'not_found') return null;
      throw error;
    }
  }

  /** The CD/DVD slot: under the System (newer BMCs) or under a Manager that manages it (the older, common place). */
  private async cdSlot(signal: AbortSignal): Promise<MediaSlot> {
    const { body: system } = await this.read(signal);
    const collections: string[] = [];
    const own = odataId(system.VirtualMedia);
    if (own) collections.push(own);
    const managers =
      ((system.Links as Json | undefined)?.ManagedBy as unknown[] | undefined)?.map(odataId).filter((id): id is string => !!id) ?? [];
    for (const manager of managers) {
      try {
        const media = odataId((await this.client.get(manager, signal)).VirtualMedia);
        if (media) collections.push(media);
      } catch (error) {
        if (!(error instanceof ProviderError) || error.kind !== 'not_found') throw error;
      }
    }
    const searched: string[] = [];
    for (const collection of collections) {
      for (const path of await listMembers(this.client, collection, signal)) {
        const body = await this.client.get(path, signal);
        const types = Array.isArray(body.MediaTypes) ? body.MediaTypes : [];
        searched.push(path);
        if (types.includes('CD') || types.includes('DVD')) return { path, body };
      }
    }
    throw new ProviderError(
      this.provider,
      'unsupported',
      collections.length === 0
        ? `${this.path} has no VirtualMedia, neither under the system nor under its managers`
        : `no CD/DVD virtual media slot among ${searched.join(', ') || 'the (empty) VirtualMedia collections'}`,
    );
  }

  async inspect(signal: AbortSignal): Promise<MachineFacts> {
    const { body: system } = await this.read(signal);
    const summary = (system.ProcessorSummary ?? {}) as Json;
    const cpu = { model: text(summary.Model), sockets: count(summary.Count), cores: count(summary.CoreCount) };
    const processors = odataId(system.Processors);
    if ((cpu.model === null || cpu.cores === null || cpu.sockets === null) && processors) {
      const cpus: Json[] = [];
      for (const path of await listMembers(this.client, processors, signal)) {
        const body = await this.client.get(path, signal);
        if (body.ProcessorType === undefined || body.ProcessorType === 'CPU') cpus.push(body);
      }
      cpu.model ??= cpus.map((p) => text(p.Model)).find((m) => m !== null) ?? null;
      cpu.sockets ??= cpus.length || null;
      const cores = cpus.map((p) => count(p.TotalCores));
      cpu.cores ??= cores.every((c) => c !== null) && cores.length > 0 ? cores.reduce((a, b) => (a ?? 0) + (b ?? 0), 0) : null;
    }
    let memoryGb = count(((system.MemorySummary ?? {}) as Json).TotalSystemMemoryGiB);
    const memory = odataId(system.Memory);
    if (memoryGb === null && memory) {
      let mib = 0;
      for (const path of await listMembers(this.client, memory, signal))
        mib += count((await this.client.get(path, signal)).CapacityMiB) ?? 0;
      memoryGb = mib > 0 ? Math.round(mib / 1024) : null;
    }
    return {
      manufacturer: text(system.Manufacturer),
      model: text(system.Model),
      serial: text(system.SerialNumber),
      cpu,
      memoryGb,
      nics: await this.nics(system, signal),
      powerState: toPowerState(system.PowerState),
      systemPath: this.path,
    };
  }

  /**
   * The system's network ports: physical interfaces only (VLANs are virtual, and the host interface
   * to the BMC never boots anything). MACAddress is the one in use; PermanentMACAddress when absent.
   */
  private async nics(system: Json, signal: AbortSignal): Promise<MachineFacts['nics']> {
    const collection = odataId(system.EthernetInterfaces);
    if (!collection) return [];
    const nics: MachineFacts['nics'] = [];
    for (const path of await listMembers(this.client, collection, signal)) {
      const body = await this.client.get(path, signal);
      if (body.EthernetInterfaceType === 'Virtual' || (body.Links as Json | undefined)?.HostInterface) continue;
      const mac = (text(body.MACAddress) ?? text(body.PermanentMACAddress))?.toLowerCase().replaceAll('-', ':');
      if (!mac || !MAC.test(mac) || nics.some((nic) => nic.mac === mac)) continue;
      nics.push({ mac, speedMbps: count(body.SpeedMbps) });
    }
    return nics;
  }
}
