/**
 * The lab provider (bmc_provider 'lab') is the Redfish provider, pointed at the lab pool's virtual
 * BMC: lab provisioning runs exactly the code path of physical servers. Only its name (recorded in
 * bmc_actions) and a longer timeout differ — powering on a lab machine starts a QEMU process, which
 * takes seconds on a loaded host.
 */
import { RedfishProvider, type RedfishProviderOptions } from '../redfish/redfish-provider.ts';

export function createLabProvider(options: Omit<RedfishProviderOptions, 'name'> = {}): RedfishProvider {
  return new RedfishProvider({ timeoutMs: 30_000, ...options, name: 'lab' });
}
