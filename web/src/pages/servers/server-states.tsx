import type { Schemas } from '@surplus/api-client';
import { Badge, type BadgeTone } from '../../components/Badge.tsx';
import { Spinner } from '../../components/Loading.tsx';
import '../../servers.css';

export type Server = Schemas['Server'];
export type ServerState = Schemas['ServerState'];

/** The bare-metal cloud vocabulary, as people read it. */
export const SERVER_STATES: Record<ServerState, { label: string; tone: BadgeTone }> = {
  queued: { label: 'Queued', tone: 'gray' },
  provisioning: { label: 'Provisioning', tone: 'blue' },
  active: { label: 'Active', tone: 'green' },
  powering_off: { label: 'Powering off', tone: 'yellow' },
  inactive: { label: 'Powered off', tone: 'gray' },
  powering_on: { label: 'Powering on', tone: 'blue' },
  rebooting: { label: 'Rebooting', tone: 'blue' },
  reinstalling: { label: 'Reinstalling', tone: 'purple' },
  deprovisioning: { label: 'Deleting', tone: 'yellow' },
  deleted: { label: 'Deleted', tone: 'gray' },
  failed: { label: 'Failed', tone: 'red' },
};

/** States that end by themselves: pages poll while a server is in one. */
export const TRANSITIONAL_STATES: readonly ServerState[] = [
  'queued',
  'provisioning',
  'powering_off',
  'powering_on',
  'rebooting',
  'reinstalling',
  'deprovisioning',
];

/** States whose progress percentage means something (a netboot under way). */
const PROGRESS_STATES: readonly ServerState[] = ['queued', 'provisioning', 'reinstalling'];

export function isTransitional(state: ServerState): boolean {
  return TRANSITIONAL_STATES.includes(state);
}

export function ServerStateBadge({ state }: { state: ServerState }) {
  const known = SERVER_STATES[state] ?? { label: state, tone: 'gray' as const };
  return (
    <Badge tone={known.tone}>
      {isTransitional(state) ? <Spinner /> : null}
      {known.label}
    </Badge>
  );
}

/** The provisioning percentage as a bar, for servers that are being installed. */
export function ServerProgress({
  server,
  isCompact = false,
}: {
  server: Pick<Server, 'state' | 'progress_percent' | 'hostname'>;
  isCompact?: boolean;
}) {
  if (!PROGRESS_STATES.includes(server.state)) return null;
  const percent = Math.min(Math.max(server.progress_percent, 0), 100);
  return (
    <div className="server-progress">
      {isCompact ? null : (
        <div className="server-progress-label">
          <span>{SERVER_STATES[server.state].label}</span>
          <span>{percent}%</span>
        </div>
      )}
      <div
        className="progress progress-live"
        role="progressbar"
        aria-label={`Provisioning ${server.hostname}`}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={percent}
        title={`${percent}%`}
      >
        <span style={{ width: `${Math.max(percent, 2)}%` }} />
      </div>
    </div>
  );
}
