import type { Schemas } from '@surplus/api-client';

type OperatingSystem = Schemas['OperatingSystem'];

/**
 * Whether Surplus has something to boot for this OS on an architecture — the rule the server applies
 * at create (catalog.service.ts hasBootArtifacts): a kernel and an initrd (files or URLs), for the
 * architectures `artifacts.architectures` names if it names any; custom_ipxe always.
 */
export function isBootable(os: Pick<OperatingSystem, 'slug' | 'artifacts'>, architecture: string): boolean {
  if (os.slug === 'custom_ipxe') return true;
  const artifacts = os.artifacts;
  const hasFiles = Boolean((artifacts.kernel || artifacts.kernel_url) && (artifacts.initrd || artifacts.initrd_url));
  const built = artifacts.architectures;
  return hasFiles && (!Array.isArray(built) || built.includes(architecture));
}

/** Operating systems offered for a plan: its architecture, not past end of life, and bootable on it. */
export function osChoices(
  catalog: Schemas['Catalog'] | undefined,
  plan: Pick<Schemas['Plan'], 'architecture'> | undefined,
): OperatingSystem[] {
  if (!catalog || !plan) return [];
  return catalog.operating_systems.filter(
    (os) => os.architectures.includes(plan.architecture) && os.status !== 'end_of_life' && isBootable(os, plan.architecture),
  );
}
