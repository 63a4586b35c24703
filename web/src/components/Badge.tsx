import type { ReactNode } from 'react';
import { Icon } from './Icon.tsx';

export type BadgeTone = 'gray' | 'green' | 'blue' | 'yellow' | 'red' | 'purple';

export function Badge({ tone = 'gray', title, children }: { tone?: BadgeTone; title?: string; children: ReactNode }) {
  return (
    <span className={`badge badge-${tone}`} title={title}>
      {children}
    </span>
  );
}

export function OsiBadge({ isApproved }: { isApproved: boolean }) {
  return isApproved ? (
    <Badge tone="green" title="Every licence in the expression is approved by the Open Source Initiative">
      <Icon name="check" size={12} />
      OSI approved
    </Badge>
  ) : (
    <Badge tone="yellow" title="At least one licence in the expression is not OSI-approved">
      Not OSI approved
    </Badge>
  );
}

const ROLE_TONES: Record<string, BadgeTone> = { admin: 'red', reviewer: 'purple', operator: 'blue', owner: 'purple', member: 'gray' };

export function RoleBadge({ role }: { role: string }) {
  return <Badge tone={ROLE_TONES[role] ?? 'gray'}>{role}</Badge>;
}

const STATE_TONES: Record<string, BadgeTone> = {
  pending: 'yellow',
  accepted: 'green',
  declined: 'gray',
  expired: 'gray',
  revoked: 'red',
};

export function StateBadge({ state }: { state: string }) {
  return <Badge tone={STATE_TONES[state] ?? 'gray'}>{state}</Badge>;
}
