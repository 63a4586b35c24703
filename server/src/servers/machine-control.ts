import type { Selectable } from 'kysely';
import type { MachinesTable } from '../db/schema.ts';
import type { BootDevice, PowerAction, PowerState } from '../providers/types.ts';

export type MachineRow = Selectable<MachinesTable>;

/**
 * What provisioning needs from a machine's BMC. Each mutating call carries an idempotency key: when a
 * workflow re-runs after a crash, an action already done under that key is not done again.
 *
 * A mutating call may be given `andThen`: what the workflow does next once the BMC has acted (its
 * timeline step). It runs while the action's outcome is being recorded, not after, and the call
 * resolves when both are done. It also runs when the key's action was done before.
 */
export interface MachineControl {
  powerState(machine: MachineRow, signal: AbortSignal): Promise<PowerState>;
  setPower(machine: MachineRow, action: PowerAction, key: string, signal: AbortSignal, andThen?: () => Promise<unknown>): Promise<void>;
  bootOnce(machine: MachineRow, device: BootDevice, key: string, signal: AbortSignal, andThen?: () => Promise<unknown>): Promise<void>;
  /**
   * A step that is new on every run (the one-time boot override) but was filed for an operator:
   * the key of that pending or confirmed step, so the re-run after the confirmation goes on.
   * Null at once for a machine no operator can be asked about (no manual provider among its own
   * and the fallbacks).
   */
  operatorStepKey(machine: MachineRow, keyPrefix: string): Promise<string | null>;
}
