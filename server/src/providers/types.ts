/**
 * Machine back ends as small capability interfaces (after bmclib and tinkerbell): a provider
 * implements only what its hardware can do, workflows ask for capabilities, not vendors. Every call
 * takes an AbortSignal so a hung BMC cannot hang a workflow past its step timeout.
 */

/** How to reach one machine's management controller. Secrets are already decrypted here; never log this. */
export type MachineAccess = {
  machineId: string;
  /** The machine's own provider (machines.bmc_provider): the registry tries it first. */
  provider: string;
  url: string | null;
  username: string | null;
  password: string | null;
  caPem: string | null;
  isInsecure: boolean;
  /** A Redfish ComputerSystem path (/redfish/v1/Systems/1) when the BMC has several systems. */
  systemPath: string | null;
};

export type PowerState = 'on' | 'off' | 'unknown';
export type PowerAction = 'on' | 'off' | 'soft_off' | 'cycle' | 'reset';
export type BootDevice = 'pxe' | 'uefi_http' | 'disk' | 'cd';

export interface PowerController {
  powerState(signal: AbortSignal): Promise<PowerState>;
  setPower(action: PowerAction, signal: AbortSignal): Promise<void>;
}

export interface BootController {
  /** One-time boot override: the next boot only, then back to the machine's normal order. */
  setOneTimeBoot(device: BootDevice, signal: AbortSignal): Promise<void>;
}

export interface MediaController {
  insertMedia(imageUrl: string, signal: AbortSignal): Promise<void>;
  ejectMedia(signal: AbortSignal): Promise<void>;
}

export type MachineFacts = {
  manufacturer: string | null;
  model: string | null;
  serial: string | null;
  cpu: { model: string | null; sockets: number | null; cores: number | null };
  memoryGb: number | null;
  nics: { mac: string; speedMbps: number | null }[];
  powerState: PowerState;
  systemPath: string | null;
};

export interface Inspector {
  inspect(signal: AbortSignal): Promise<MachineFacts>;
}

export type Feature = 'power' | 'boot' | 'media' | 'inspect';

/** What one provider can do for one machine, once connected. Missing capabilities are undefined. */
export type Connection = {
  provider: string;
  power?: PowerController;
  boot?: BootController;
  media?: MediaController;
  inspect?: Inspector;
  close(): Promise<void>;
};

export type ProbeResult = { isSupported: true; detail: string } | { isSupported: false; error: ProviderError };

export interface Provider {
  readonly name: string;
  readonly features: readonly Feature[];
  /** Whether this provider can talk to the machine at all, and if not, precisely why. */
  probe(access: MachineAccess, signal: AbortSignal): Promise<ProbeResult>;
  connect(access: MachineAccess, signal: AbortSignal): Promise<Connection>;
  /** Lets go of what the provider keeps between calls (BMC sessions), on shutdown. */
  close?(): Promise<void>;
}

/**
 * Errors by behaviour, not by vendor: what the caller should do next. `awaiting_operator`: a person
 * must do the step (the manual provider; its message is the instruction). The registry files it as a
 * pending bmc_actions row; re-run the step, or awaitConfirmation(key), once an operator confirmed it.
 */
export type ProviderErrorKind = 'retryable' | 'unauthorized' | 'unsupported' | 'not_found' | 'tls' | 'invalid' | 'awaiting_operator';

export class ProviderError extends Error {
  readonly kind: ProviderErrorKind;
  readonly provider: string;

  constructor(provider: string, kind: ProviderErrorKind, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.provider = provider;
    this.kind = kind;
  }

  get isRetryable() {
    return this.kind === 'retryable';
  }
}
