/**
 * The manual provider: for machines without a usable BMC, an operator does each step by hand and
 * confirms it in the UI. Every capability answers with an `awaiting_operator` ProviderError whose
 * message is the instruction; the registry files it as a pending bmc_actions row under the step's
 * idempotency key, and the workflow goes on once an operator confirmed it (ManualActions).
 */
import type { BootDevice, Connection, Feature, PowerAction, ProbeResult, Provider } from '../types.ts';
import { ProviderError } from '../types.ts';

const POWER_STEPS: Record<PowerAction, string> = {
  on: 'Power the machine on.',
  off: 'Power the machine off (hold the power button, or switch it off at the PDU).',
  soft_off: 'Shut the machine down: from its operating system, or with a short press of the power button.',
  cycle: 'Power cycle the machine: power it off, wait 10 seconds, power it on.',
  reset: 'Reset the machine (its reset button, or power it off and on).',
};

const BOOT_STEPS: Record<BootDevice, string> = {
  pxe: 'Make the machine boot once from the network (PXE): the one-time boot menu at POST (often F11 or F12).',
  uefi_http: 'Make the machine boot once by UEFI HTTP boot: the one-time boot menu at POST.',
  disk: 'Make the machine boot once from its local disk: the one-time boot menu at POST.',
  cd: 'Make the machine boot once from the attached CD or USB media: the one-time boot menu at POST.',
};

export const MANUAL_PROVIDER = 'manual';

export class ManualProvider implements Provider {
  readonly name = MANUAL_PROVIDER;
  readonly features: readonly Feature[] = ['power', 'boot', 'media'];

  async probe(): Promise<ProbeResult> {
    return { isSupported: true, detail: 'manual provider: an operator does each power and boot step by hand and confirms it' };
  }

  async connect(): Promise<Connection> {
    const ask = (instruction: string): Promise<never> => Promise.reject(new ProviderError(this.name, 'awaiting_operator', instruction));
    return {
      provider: this.name,
      // Nobody can tell: the workflow powers on (or cycles) rather than assuming a state.
      power: { powerState: async () => 'unknown', setPower: (action) => ask(POWER_STEPS[action]) },
      boot: { setOneTimeBoot: (device) => ask(BOOT_STEPS[device]) },
      media: {
        insertMedia: (imageUrl) =>
          ask(`Attach the boot image ${imageUrl} to the machine (a USB stick written from it, or the BMC's virtual CD).`),
        ejectMedia: () => ask('Remove the boot media from the machine.'),
      },
      close: async () => {},
    };
  }
}
