import type { Schemas } from '@surplus/api-client';
import type { ReactNode } from 'react';
import { Badge, type BadgeTone } from '../../components/Badge.tsx';
import { EmptyState } from '../../components/EmptyState.tsx';
import { Spinner } from '../../components/Loading.tsx';
import { useSession } from '../../session.tsx';
import '../../servers.css';

export type Machine = Schemas['Machine'];
export type MachineDetail = Schemas['MachineDetail'];
export type MachineState = Schemas['MachineState'];

export const MACHINE_STATES: Record<MachineState, { label: string; tone: BadgeTone; hint: string }> = {
  enrolling: { label: 'Enrolling', tone: 'purple', hint: 'The BMC is being probed and the machine inspected.' },
  available: { label: 'Available', tone: 'green', hint: 'In the pool, ready for a server.' },
  allocated: { label: 'Allocated', tone: 'blue', hint: 'Running a server.' },
  wiping: { label: 'Wiping', tone: 'blue', hint: 'Its disks are being erased after a server was deleted.' },
  maintenance: { label: 'Maintenance', tone: 'yellow', hint: 'Out of the pool until an operator puts it back.' },
  failed: { label: 'Failed', tone: 'red', hint: 'Enrollment failed; fix the BMC settings and re-probe.' },
};

export const MACHINE_STATE_ORDER: MachineState[] = ['available', 'allocated', 'enrolling', 'wiping', 'maintenance', 'failed'];

/** `isCurrent`: the machine's state now, so a state that ends by itself shows a spinner (not in timelines). */
export function MachineStateBadge({ state, isCurrent = false }: { state: MachineState; isCurrent?: boolean }) {
  const known = MACHINE_STATES[state] ?? { label: state, tone: 'gray' as const, hint: '' };
  return (
    <Badge tone={known.tone} title={known.hint}>
      {isCurrent && (state === 'enrolling' || state === 'wiping') ? <Spinner /> : null}
      {known.label}
    </Badge>
  );
}

export const PROVIDER_LABELS: Record<Schemas['BmcProvider'], string> = {
  redfish: 'Redfish',
  lab: 'Lab (virtual BMC)',
  manual: 'Manual',
};

/** Operators run the inventory; admins pass every role, as on the server. */
export function useIsOperator(): boolean {
  const { user } = useSession();
  const roles = user?.roles ?? [];
  return roles.includes('operator') || roles.includes('admin');
}

export function RequireOperator({ children }: { children: ReactNode }) {
  const isOperator = useIsOperator();
  if (!isOperator)
    return (
      <EmptyState icon="lock" title="Operators only">
        The inventory is for the people who run the fleet: operators and admins.
      </EmptyState>
    );
  return <>{children}</>;
}
