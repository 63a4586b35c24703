import { type MachineAccess, type MachineFacts, type Provider, ProviderError, type ProviderErrorKind } from '../providers/types.ts';

/** The machine back ends by name (machines.bmc_provider). A Map of providers is one. */
export type ProviderSource = { get(name: string): Provider | undefined };

export type Discovery =
  | { isSupported: true; provider: string; detail: string; facts: MachineFacts | null }
  | { isSupported: false; provider: string; error: ProviderError };

/** What an operator reads in front of the provider's own message: what kind of thing went wrong. */
const KIND_LABELS: Record<ProviderErrorKind, string> = {
  tls: 'TLS',
  unauthorized: 'credentials',
  unsupported: 'unsupported service',
  retryable: 'unreachable',
  not_found: 'not found',
  invalid: 'invalid answer',
  awaiting_operator: 'waiting for an operator',
};

export function describeProbeFailure(error: ProviderError): string {
  return `${KIND_LABELS[error.kind] ?? error.kind}: ${error.message}`;
}

/**
 * Enrollment's look at a machine: can its provider talk to the BMC at all (probe), and if the
 * provider can inspect, what hardware is behind it. Every failure comes back as a ProviderError whose
 * message says precisely what went wrong; nothing here throws.
 */
export async function discover(providers: ProviderSource, access: MachineAccess, signal: AbortSignal): Promise<Discovery> {
  const provider = providers.get(access.provider);
  if (!provider) {
    return {
      isSupported: false,
      provider: access.provider,
      error: new ProviderError(access.provider, 'unsupported', `no ${access.provider} provider is configured on this Surplus`),
    };
  }
  try {
    const probed = await provider.probe(access, signal);
    if (!probed.isSupported) return { isSupported: false, provider: provider.name, error: probed.error };
    if (!provider.features.includes('inspect')) return { isSupported: true, provider: provider.name, detail: probed.detail, facts: null };
    const connection = await provider.connect(access, signal);
    try {
      if (!connection.inspect) return { isSupported: true, provider: provider.name, detail: probed.detail, facts: null };
      const facts = await connection.inspect.inspect(signal);
      return { isSupported: true, provider: provider.name, detail: probed.detail, facts };
    } finally {
      await connection.close().catch(() => {});
    }
  } catch (error) {
    if (error instanceof ProviderError) return { isSupported: false, provider: provider.name, error };
    if (signal.aborted) {
      return {
        isSupported: false,
        provider: provider.name,
        error: new ProviderError(provider.name, 'retryable', 'the BMC did not answer within the probe timeout'),
      };
    }
    // A bug or an unforeseen answer: still a precise, operator-readable failure rather than a stuck machine.
    const message = error instanceof Error ? error.message : String(error);
    return {
      isSupported: false,
      provider: provider.name,
      error: new ProviderError(provider.name, 'invalid', `the probe failed unexpectedly: ${message}`),
    };
  }
}
