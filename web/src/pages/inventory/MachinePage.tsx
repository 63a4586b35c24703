import { ApiError, type Schemas, unwrap } from '@surplus/api-client';
import { useState } from 'react';
import { Link, useParams } from 'react-router';
import { Badge } from '../../components/Badge.tsx';
import { Banner, ErrorBanner } from '../../components/Banner.tsx';
import { Button, ButtonLink } from '../../components/Button.tsx';
import { Card } from '../../components/Card.tsx';
import { Dialog } from '../../components/Dialog.tsx';
import { EmptyState } from '../../components/EmptyState.tsx';
import { TextAreaField } from '../../components/Field.tsx';
import { Icon } from '../../components/Icon.tsx';
import { PageLoading, Spinner } from '../../components/Loading.tsx';
import { Time } from '../../components/Time.tsx';
import { useToast } from '../../components/Toast.tsx';
import { useAction } from '../../hooks/use-action.ts';
import { usePoll } from '../../hooks/use-poll.ts';
import { useResource } from '../../hooks/use-resource.ts';
import { useSession } from '../../session.tsx';
import { ServerStateBadge } from '../servers/server-states.tsx';
import { BmcDialog } from './BmcDialog.tsx';
import { MACHINE_STATES, type MachineDetail, type MachineState, MachineStateBadge, PROVIDER_LABELS } from './machine-states.tsx';

const TONE_CLASS: Record<string, string> = {
  green: 'timeline-green',
  blue: 'timeline-blue',
  purple: 'timeline-purple',
  yellow: 'timeline-yellow',
  red: 'timeline-red',
};

function MachineTimeline({ events }: { events: MachineDetail['events'] }) {
  if (events.length === 0) return <p className="muted">No state changes yet.</p>;
  return (
    <ol className="timeline" aria-label="Machine timeline">
      {[...events].reverse().map((event) => {
        const state = event.to_state as MachineState;
        const tone = MACHINE_STATES[state]?.tone ?? 'gray';
        return (
          <li key={event.id} className={`timeline-item ${TONE_CLASS[tone] ?? ''}`}>
            <span className="timeline-dot" aria-hidden="true" />
            <div>
              <div>
                {state in MACHINE_STATES ? <MachineStateBadge state={state} /> : event.to_state}{' '}
                <span className="small muted">
                  by {event.actor} · <Time iso={event.occurred_at} />
                </span>
              </div>
              {event.reason ? <p className="timeline-note">{event.reason}</p> : null}
            </div>
          </li>
        );
      })}
    </ol>
  );
}

function Facts({ machine }: { machine: MachineDetail }) {
  const facts = machine.facts;
  if (!facts) {
    return machine.state === 'enrolling' ? (
      <p className="muted">The facts appear once the BMC answered.</p>
    ) : (
      <p className="muted">No successful probe yet: nothing is known about the hardware.</p>
    );
  }
  const cpu = [
    facts.cpu.model,
    facts.cpu.sockets ? `${facts.cpu.sockets} socket${facts.cpu.sockets === 1 ? '' : 's'}` : null,
    facts.cpu.cores ? `${facts.cpu.cores} cores` : null,
  ]
    .filter(Boolean)
    .join(', ');
  return (
    <dl className="dl dl-grid" aria-label="Machine facts">
      <div>
        <dt>Model</dt>
        <dd>{[facts.manufacturer, facts.model].filter(Boolean).join(' ') || '—'}</dd>
      </div>
      <div>
        <dt>Serial number</dt>
        <dd className="mono">{facts.serial ?? machine.serial ?? '—'}</dd>
      </div>
      <div>
        <dt>CPU</dt>
        <dd>{cpu || '—'}</dd>
      </div>
      <div>
        <dt>Memory</dt>
        <dd>{facts.memory_gb !== null ? `${facts.memory_gb} GB` : '—'}</dd>
      </div>
      <div>
        <dt>Power</dt>
        <dd>{facts.power_state}</dd>
      </div>
      <div>
        <dt>Redfish system</dt>
        <dd className="mono">{facts.system_path ?? '—'}</dd>
      </div>
      <div className="dl-wide">
        <dt>Last probe</dt>
        <dd>
          {facts.probe_detail} <span className="muted">· {facts.provider} · </span>
          <Time iso={facts.inspected_at} />
        </dd>
      </div>
    </dl>
  );
}

function Macs({ machine }: { machine: MachineDetail }) {
  const speeds = new Map((machine.facts?.nics ?? []).map((nic) => [nic.mac, nic.speed_mbps]));
  if (machine.macs.length === 0) return <p className="muted">No MAC addresses yet; the probe adds those the BMC reports.</p>;
  return (
    <ul className="mac-list" aria-label="MAC addresses">
      {machine.macs.map((mac) => {
        const speed = speeds.get(mac);
        return (
          <li key={mac}>
            <span className="mono">{mac}</span>
            {speed ? <span className="muted small"> · {speed >= 1000 ? `${speed / 1000} Gb/s` : `${speed} Mb/s`}</span> : null}
            {speeds.has(mac) ? null : <span className="muted small"> · entered at enrollment</span>}
          </li>
        );
      })}
    </ul>
  );
}

function BmcSettings({ machine }: { machine: MachineDetail }) {
  const tls = machine.bmc_url?.startsWith('http:')
    ? 'Plain HTTP (no TLS)'
    : machine.bmc_insecure
      ? 'Not verified (insecure, this machine only)'
      : machine.bmc_ca_pem
        ? 'Verified against the CA given'
        : 'Verified against the system CAs';
  return (
    <dl className="dl" aria-label="BMC settings">
      <div>
        <dt>Provider</dt>
        <dd>{PROVIDER_LABELS[machine.bmc_provider]}</dd>
      </div>
      {machine.bmc_provider === 'manual' ? (
        <div>
          <dd className="muted small">An operator does each power and boot step by hand and confirms it.</dd>
        </div>
      ) : (
        <>
          <div>
            <dt>URL</dt>
            <dd className="mono">{machine.bmc_url ?? '—'}</dd>
          </div>
          <div>
            <dt>Username</dt>
            <dd>{machine.bmc_username ?? '—'}</dd>
          </div>
          <div>
            <dt>Password</dt>
            <dd>{machine.has_bmc_password ? 'Set (stored encrypted, never shown)' : 'Not set'}</dd>
          </div>
          <div>
            <dt>TLS</dt>
            <dd>{tls}</dd>
          </div>
          {machine.bmc_system_path ? (
            <div>
              <dt>System</dt>
              <dd className="mono">{machine.bmc_system_path}</dd>
            </div>
          ) : null}
        </>
      )}
    </dl>
  );
}

function CurrentServer({ machine }: { machine: MachineDetail }) {
  if (!machine.server) return <p className="muted">{machine.state === 'available' ? 'None: the machine waits in the pool.' : 'None.'}</p>;
  return (
    <div className="stack">
      <div>
        <Link className="cell-title" to={`/servers/${machine.server.id}`}>
          {machine.server.hostname}
        </Link>{' '}
        <ServerStateBadge state={machine.server.state as Schemas['ServerState']} />
      </div>
      <div className="small muted">
        Project <Link to={`/projects/${machine.server.project.slug}`}>{machine.server.project.name}</Link>
      </div>
    </div>
  );
}

/** One machine for operators: what it is, how its BMC is reached, what it runs, and its history. */
export function MachinePage() {
  const { id = '' } = useParams();
  const { client } = useSession();
  const toast = useToast();
  const path = { params: { path: { id } } };
  const resource = useResource(`machine:${id}`, () => unwrap(client.GET('/api/v1/machines/{id}', path)));
  const machine = resource.data;
  const [dialog, setDialog] = useState<'maintenance' | 'bmc' | null>(null);
  const [reason, setReason] = useState('');

  usePoll(machine?.state === 'enrolling' || machine?.state === 'wiping', async () => {
    const fresh = await unwrap(client.GET('/api/v1/machines/{id}', path));
    resource.setData(() => fresh);
  });

  const maintenance = useAction(async () => {
    const updated = await unwrap(client.POST('/api/v1/machines/{id}/maintenance', { ...path, body: { reason: reason.trim() } }));
    resource.setData(() => updated);
    setDialog(null);
    toast.success(`${updated.hostname} is in maintenance.`);
  }, ['reason']);
  const available = useAction(async () => {
    const updated = await unwrap(client.POST('/api/v1/machines/{id}/available', path));
    resource.setData(() => updated);
    toast.success(
      updated.state === 'enrolling'
        ? `${updated.hostname} is probed before it rejoins the pool.`
        : `${updated.hostname} is back in the pool.`,
    );
  });
  const reprobe = useAction(async () => {
    const updated = await unwrap(client.POST('/api/v1/machines/{id}/reprobe', path));
    resource.setData(() => updated);
    toast.success(`Probing ${updated.hostname}'s BMC again.`);
  });

  if (resource.isLoading && !machine) return <PageLoading label="Loading machine…" />;
  if (resource.error instanceof ApiError && resource.error.status === 404)
    return (
      <EmptyState
        icon="server"
        title="Machine not found"
        actions={
          <ButtonLink to="/inventory" variant="primary">
            Back to the inventory
          </ButtonLink>
        }
      />
    );
  if (!machine) return <ErrorBanner error={resource.error} onRetry={resource.reload} />;

  // The same rules as the API: maintenance from the pool or a failed probe, back to the pool from
  // maintenance or failed (through a probe), a probe whenever no server uses the machine.
  const canMaintain = machine.state === 'available' || machine.state === 'failed';
  const canReturn = machine.state === 'maintenance' || machine.state === 'failed';
  const canReprobe = machine.bmc_provider !== 'manual' && ['available', 'failed', 'maintenance'].includes(machine.state);
  const actionError = available.error ?? reprobe.error;

  return (
    <>
      <header className="page-header">
        <div>
          <nav className="breadcrumbs" aria-label="Breadcrumb">
            <ol>
              <li>
                <Link to="/inventory">Inventory</Link>
              </li>
            </ol>
          </nav>
          <h1>{machine.hostname}</h1>
          <div className="meta-row">
            <MachineStateBadge state={machine.state} isCurrent />
            <span className="mono">{machine.plan}</span>
            <span>
              <Icon name="globe" size={14} />
              {machine.metro}
            </span>
            {machine.location ? <span>{machine.location}</span> : null}
            {machine.is_lab ? <Badge tone="purple">Lab pool</Badge> : null}
            <span>
              Enrolled <Time iso={machine.created_at} />
            </span>
          </div>
        </div>
        <div className="page-header-actions">
          {canReprobe ? (
            <Button onClick={() => void reprobe.run(undefined)} isLoading={reprobe.isRunning}>
              Re-probe
            </Button>
          ) : null}
          {canReturn ? (
            <Button variant="primary" onClick={() => void available.run(undefined)} isLoading={available.isRunning}>
              Back to the pool
            </Button>
          ) : null}
          {canMaintain ? (
            <Button
              onClick={() => {
                setReason('');
                maintenance.reset();
                setDialog('maintenance');
              }}
            >
              Maintenance…
            </Button>
          ) : null}
        </div>
      </header>
      <ErrorBanner error={actionError} />
      {machine.state === 'enrolling' ? (
        <div className="page-banner">
          <Banner tone="info" title="Enrolling">
            <span className="inline-field">
              <Spinner label="Enrolling" />
              Probing the BMC and reading the machine’s facts. This page updates by itself.
            </span>
          </Banner>
        </div>
      ) : machine.state === 'failed' ? (
        <div className="page-banner">
          <Banner tone="error" title="Enrollment failed">
            <div>{machine.state_reason ?? 'The probe failed.'}</div>
            <div className="small">Fix the BMC settings (Edit, under BMC), then re-probe.</div>
          </Banner>
        </div>
      ) : machine.state === 'maintenance' ? (
        <div className="page-banner">
          <Banner tone="warning" title="In maintenance">
            <div>{machine.state_reason ?? 'No reason given.'}</div>
            <div className="small">No server is placed on it until it is back in the pool.</div>
          </Banner>
        </div>
      ) : null}

      <div className="grid-2">
        <div className="stack-lg">
          <Card title="Hardware" description="What the BMC reported at the last successful probe.">
            <Facts machine={machine} />
          </Card>
          <Card title="Timeline" description="Every state change, newest first.">
            <MachineTimeline events={machine.events} />
          </Card>
        </div>
        <div className="stack-lg">
          <Card title="Server">
            <CurrentServer machine={machine} />
          </Card>
          <Card
            title="BMC"
            actions={
              <Button size="sm" onClick={() => setDialog('bmc')} disabled={machine.state === 'allocated' || machine.state === 'wiping'}>
                Edit
              </Button>
            }
          >
            <BmcSettings machine={machine} />
          </Card>
          <Card title="MAC addresses">
            <Macs machine={machine} />
          </Card>
        </div>
      </div>

      <Dialog
        isOpen={dialog === 'maintenance'}
        title={`Put ${machine.hostname} in maintenance`}
        onClose={() => setDialog(null)}
        onSubmit={() => void maintenance.run(undefined)}
        footer={
          <>
            <Button onClick={() => setDialog(null)}>Cancel</Button>
            <Button type="submit" variant="primary" isLoading={maintenance.isRunning}>
              Put in maintenance
            </Button>
          </>
        }
      >
        <ErrorBanner error={maintenance.bannerError} />
        <p>The machine leaves the pool: no server is placed on it until an operator puts it back.</p>
        <TextAreaField
          label="Reason"
          rows={3}
          value={reason}
          onChange={(event) => setReason(event.target.value)}
          error={maintenance.fieldError('reason')}
          hint="Shown on the machine and in its timeline, e.g. “DIMM B2 reports ECC errors; replacement ordered”."
          autoFocus
        />
      </Dialog>
      <BmcDialog
        machine={machine}
        isOpen={dialog === 'bmc'}
        onClose={() => setDialog(null)}
        onSaved={(updated) => {
          resource.setData(() => updated);
          setDialog(null);
          toast.success(updated.state === 'enrolling' ? 'Saved; the BMC is probed again.' : 'BMC settings saved.');
        }}
      />
    </>
  );
}
