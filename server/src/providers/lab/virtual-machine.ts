/**
 * What the lab's virtual BMC controls: a machine with a power state, Redfish reset types and a boot
 * override. QemuMachine is the real one; MemoryMachine is a stand-in for tests and benchmarks.
 */

export type VirtualPowerState = 'On' | 'Off' | 'Paused';

/** The Redfish ResetTypes a lab machine honours (GracefulRestart is absent: QEMU has no ACPI reboot button). */
export const LAB_RESET_TYPES = [
  'On',
  'ForceOn',
  'ForceOff',
  'GracefulShutdown',
  'ForceRestart',
  'PowerCycle',
  'Nmi',
  'Pause',
  'Resume',
] as const;
export type LabResetType = (typeof LAB_RESET_TYPES)[number];

export const LAB_BOOT_TARGETS = ['None', 'Pxe', 'Hdd'] as const;
export type LabBootTarget = (typeof LAB_BOOT_TARGETS)[number];
export const LAB_BOOT_ENABLED = ['Disabled', 'Once', 'Continuous'] as const;
export type BootOverride = { enabled: (typeof LAB_BOOT_ENABLED)[number]; target: LabBootTarget };

export type VirtualMachineInfo = {
  id: string;
  uuid: string;
  mac: string;
  cpus: number;
  memoryMiB: number;
  diskGiB: number;
};

/** A request the machine cannot honour in its current state (the BMC answers it with this status). */
export class LabMachineError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

export interface VirtualMachine {
  readonly info: VirtualMachineInfo;
  powerState(): Promise<VirtualPowerState>;
  reset(type: LabResetType): Promise<void>;
  bootOverride(): BootOverride;
  setBootOverride(override: BootOverride): Promise<void>;
}

/** The QEMU `-boot` device for a boot target: n = network, c = first disk. */
export function bootDevice(override: BootOverride): 'n' | 'c' | null {
  if (override.enabled === 'Disabled') return null;
  return override.target === 'Pxe' ? 'n' : override.target === 'Hdd' ? 'c' : null;
}

/**
 * STAND-IN, not a machine: power changes instantly and nothing boots. It records every start with the
 * boot device it would have used, so BMC tests and the orchestration benchmark (an instantly answering
 * BMC) need no QEMU.
 */
export class MemoryMachine implements VirtualMachine {
  readonly info: VirtualMachineInfo;
  /** The boot device of each start, in order ('n', 'c', or 'default'). */
  readonly boots: string[] = [];
  readonly resets: LabResetType[] = [];
  private state: VirtualPowerState = 'Off';
  private override: BootOverride = { enabled: 'Disabled', target: 'None' };

  constructor(info: Partial<VirtualMachineInfo> & { id: string }) {
    this.info = { uuid: '00000000-0000-4000-8000-000000000000', mac: '52:54:00:00:00:01', cpus: 1, memoryMiB: 1024, diskGiB: 2, ...info };
  }

  async powerState(): Promise<VirtualPowerState> {
    return this.state;
  }

  async reset(type: LabResetType): Promise<void> {
    this.resets.push(type);
    const boot = () => {
      this.boots.push(bootDevice(this.override) ?? 'default');
      if (this.override.enabled === 'Once') this.override = { ...this.override, enabled: 'Disabled' };
      this.state = 'On';
    };
    switch (type) {
      case 'On':
      case 'ForceOn':
        if (this.state === 'Off') boot();
        else this.state = 'On';
        return;
      case 'ForceOff':
      case 'GracefulShutdown':
        this.state = 'Off';
        return;
      case 'ForceRestart':
      case 'PowerCycle':
        boot();
        return;
      case 'Nmi':
        if (this.state === 'Off') throw new LabMachineError(409, `${this.info.id} is off`);
        return;
      case 'Pause':
        if (this.state === 'Off') throw new LabMachineError(409, `${this.info.id} is off`);
        this.state = 'Paused';
        return;
      case 'Resume':
        if (this.state === 'Off') throw new LabMachineError(409, `${this.info.id} is off`);
        this.state = 'On';
        return;
    }
  }

  bootOverride(): BootOverride {
    return this.override;
  }

  async setBootOverride(override: BootOverride): Promise<void> {
    this.override = override;
  }
}
