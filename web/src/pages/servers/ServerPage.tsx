import { ApiError, type Schemas, unwrap } from '@surplus/api-client';
import { useState } from 'react';
import { Link, useParams, useSearchParams } from 'react-router';
import { Banner, ErrorBanner } from '../../components/Banner.tsx';
import { Button, ButtonLink } from '../../components/Button.tsx';
import { Card } from '../../components/Card.tsx';
import { CopyButton } from '../../components/CopyButton.tsx';
import { Dialog, useConfirm } from '../../components/Dialog.tsx';
import { EmptyState } from '../../components/EmptyState.tsx';
import { Checkbox, SelectField } from '../../components/Field.tsx';
import { Icon } from '../../components/Icon.tsx';
import { PageLoading } from '../../components/Loading.tsx';
import { Time } from '../../components/Time.tsx';
import { useToast } from '../../components/Toast.tsx';
import { useAction } from '../../hooks/use-action.ts';
import { usePoll } from '../../hooks/use-poll.ts';
import { useResource } from '../../hooks/use-resource.ts';
import { useSession } from '../../session.tsx';
import { osChoices } from './os-choices.ts';
import { OsOptions } from './ServerCreate.tsx';
import { isTransitional, SERVER_STATES, type ServerState, ServerStateBadge } from './server-states.tsx';

type ServerDetail = Schemas['ServerDetail'];
type ActionType = Schemas['ServerActionBody']['type'];

const TONE_CLASS: Record<string, string> = {
  green: 'timeline-green',
  blue: 'timeline-blue',
  purple: 'timeline-purple',
  yellow: 'timeline-yellow',
  red: 'timeline-red',
};

/** Steps as people read them; unknown steps show as the API names them. */
const STEP_LABELS: Record<string, string> = {
  queued: 'Queued',
  allocated: 'Machine allocated',
  boot_override: 'Next boot from the network',
  power_cycle: 'Power cycled to netboot',
  netboot: 'Netbooting',
  kernel: 'Kernel and initrd loaded',
  phone_home: 'Phoned home',
  wiping: 'Wiping the disks',
};

function stepLabel(event: ServerDetail['timeline'][number]): string {
  if (event.from_state !== event.to_state) return SERVER_STATES[event.to_state as ServerState]?.label ?? event.to_state;
  return STEP_LABELS[event.step ?? ''] ?? (event.step ?? event.to_state).replaceAll('_', ' ');
}

function ServerTimeline({ events }: { events: ServerDetail['timeline'] }) {
  return (
    <ol className="timeline" aria-label="Server timeline">
      {[...events].reverse().map((event, index) => {
        const state = event.to_state as ServerState;
        const tone = SERVER_STATES[state]?.tone ?? 'gray';
        const isStateChange = event.from_state !== event.to_state;
        return (
          // biome-ignore lint/suspicious/noArrayIndexKey: timeline events have no id and never reorder
          <li key={index} className={`timeline-item ${isStateChange ? (TONE_CLASS[tone] ?? '') : ''}`}>
            <span className="timeline-dot" aria-hidden="true" />
            <div>
              <div>
                <strong>{stepLabel(event)}</strong>
                {event.progress_percent !== null && event.progress_percent > 0 && event.progress_percent < 100 ? (
                  <span className="muted small"> · {event.progress_percent}%</span>
                ) : null}{' '}
                <span className="small muted">
                  · {event.actor} · <Time iso={event.occurred_at} />
                </span>
              </div>
              {event.note && event.note.toLowerCase() !== stepLabel(event).toLowerCase() ? (
                <p className="timeline-note">{event.note}</p>
              ) : null}
            </div>
          </li>
        );
      })}
    </ol>
  );
}

function Access({ server }: { server: ServerDetail }) {
  if (!server.ssh) {
    return (
      <p className="muted">
        {server.state === 'deleted'
          ? 'The server was deleted.'
          : isTransitional(server.state)
            ? 'The SSH command appears here once the server is active.'
            : 'SSH access is shown while the server is active.'}
      </p>
    );
  }
  return (
    <div className="stack">
      <div className="ssh-command">
        <code data-testid="ssh-command">{server.ssh.command}</code>
        <CopyButton text={server.ssh.command} />
      </div>
      <dl className="dl dl-compact">
        <div>
          <dt>Host</dt>
          <dd className="mono">{server.ssh.host}</dd>
        </div>
        <div>
          <dt>Port</dt>
          <dd className="mono">{server.ssh.port}</dd>
        </div>
        <div>
          <dt>User</dt>
          <dd className="mono">{server.ssh.user}</dd>
        </div>
        {server.ip_addresses.map((ip) => (
          <div key={ip.address}>
            <dt>{ip.public ? 'Public address' : 'Private address'}</dt>
            <dd className="mono">{ip.address}</dd>
          </div>
        ))}
      </dl>
      <p className="small muted">Log in with one of the keys installed when the server was created.</p>
    </div>
  );
}

/** One server: its progress while it is installed, how to reach it, what happened, and what can be done. */
export function ServerPage() {
  const { id = '' } = useParams();
  const { client, isStaff } = useSession();
  const toast = useToast();
  const confirm = useConfirm();
  const path = { params: { path: { id } } };
  const resource = useResource(`server:${id}`, () => unwrap(client.GET('/api/v1/servers/{id}', path)));
  const server = resource.data;
  const catalog = useResource('catalog', () => unwrap(client.GET('/api/v1/catalog')));
  const [isReinstallOpen, setIsReinstallOpen] = useState(false);
  const [reinstallOs, setReinstallOs] = useState('');
  const [isDataKept, setIsDataKept] = useState(false);
  // The idle nudge links here with ?action=delete: one click on the confirmation deletes the server.
  const [searchParams, setSearchParams] = useSearchParams();
  const isDeleteAsked = searchParams.get('action') === 'delete';
  const dismissDelete = () => setSearchParams({}, { replace: true });

  usePoll(server !== undefined && isTransitional(server.state), async () => {
    const fresh = await unwrap(client.GET('/api/v1/servers/{id}', path));
    resource.setData(() => fresh);
  });

  const act = useAction(async ({ type, label }: { type: ActionType; label: string }) => {
    const updated = await unwrap(client.POST('/api/v1/servers/{id}/actions', { ...path, body: { type, preserve_data: false } }));
    resource.setData(() => updated);
    toast.success(`${label}: ${updated.hostname}.`);
  });
  const reinstall = useAction(async () => {
    const updated = await unwrap(
      client.POST('/api/v1/servers/{id}/actions', {
        ...path,
        body: { type: 'reinstall', operating_system: reinstallOs || undefined, preserve_data: isDataKept },
      }),
    );
    resource.setData(() => updated);
    setIsReinstallOpen(false);
    toast.success(`Reinstalling ${updated.hostname} with ${updated.operating_system}.`);
  }, ['operating_system', 'preserve_data']);
  const remove = useAction(async () => {
    if (!server) return;
    const isConfirmed = await confirm({
      title: `Delete ${server.hostname}?`,
      body: 'The server is powered off and its disks are wiped; the machine goes back to the pool. Its data cannot be recovered.',
      confirmLabel: 'Delete server',
      isDanger: true,
    });
    if (!isConfirmed) return;
    const updated = await unwrap(client.DELETE('/api/v1/servers/{id}', path));
    resource.setData(() => updated);
    toast.success(`Deleting ${updated.hostname}.`);
  });
  const removeAsked = useAction(async () => {
    const updated = await unwrap(client.DELETE('/api/v1/servers/{id}', path));
    resource.setData(() => updated);
    dismissDelete();
    toast.success(`Deleting ${updated.hostname}.`);
  });

  if (resource.isLoading && !server) return <PageLoading label="Loading server…" />;
  if (resource.error instanceof ApiError && resource.error.status === 404)
    return (
      <EmptyState
        icon="server"
        title="Server not found"
        actions={
          <ButtonLink to="/projects" variant="primary">
            Back to projects
          </ButtonLink>
        }
      >
        It does not exist, or it belongs to a project you are not a member of.
      </EmptyState>
    );
  if (!server) return <ErrorBanner error={resource.error} onRetry={resource.reload} />;

  const plan = catalog.data?.plans.find((p) => p.slug === server.plan);
  const systems = osChoices(catalog.data, plan);
  const osName = catalog.data?.operating_systems.find((os) => os.slug === server.operating_system)?.name ?? server.operating_system;
  const state = server.state;
  const isBusy = act.isRunning || remove.isRunning || removeAsked.isRunning;
  const isGone = state === 'deleted' || state === 'deprovisioning';

  return (
    <>
      <header className="page-header">
        <div>
          <nav className="breadcrumbs" aria-label="Breadcrumb">
            <ol>
              <li>
                <Link to={`/projects/${server.project.slug}`}>{server.project.name}</Link>
              </li>
              <li>
                <Link to={`/projects/${server.project.slug}/servers`}>Servers</Link>
              </li>
            </ol>
          </nav>
          <h1>{server.hostname}</h1>
          <div className="meta-row">
            <ServerStateBadge state={state} />
            <span className="mono">{server.plan}</span>
            <span>
              <Icon name="globe" size={14} />
              {server.metro}
            </span>
            <span>{osName}</span>
            <span>
              Created <Time iso={server.created_at} />
            </span>
          </div>
        </div>
        <div className="page-header-actions">
          {state === 'active' ? (
            <>
              <Button onClick={() => void act.run({ type: 'reboot', label: 'Rebooting' })} disabled={isBusy}>
                Reboot
              </Button>
              <Button onClick={() => void act.run({ type: 'power_off', label: 'Powering off' })} disabled={isBusy}>
                Power off
              </Button>
            </>
          ) : null}
          {state === 'inactive' ? (
            <Button variant="primary" onClick={() => void act.run({ type: 'power_on', label: 'Powering on' })} disabled={isBusy}>
              Power on
            </Button>
          ) : null}
          {state === 'active' || state === 'inactive' ? (
            <Button
              onClick={() => {
                setReinstallOs(server.operating_system);
                setIsDataKept(false);
                reinstall.reset();
                setIsReinstallOpen(true);
              }}
              disabled={isBusy}
            >
              Reinstall…
            </Button>
          ) : null}
          {isGone ? null : (
            <Button variant="danger" onClick={() => void remove.run(undefined)} disabled={isBusy}>
              Delete…
            </Button>
          )}
        </div>
      </header>
      {isDeleteAsked && !isGone ? (
        <div className="page-banner" data-testid="delete-confirm">
          <Banner
            tone="warning"
            title={`Delete ${server.hostname}?`}
            actions={
              <>
                <Button variant="danger" onClick={() => void removeAsked.run(undefined)} disabled={isBusy}>
                  Delete server
                </Button>
                <Button onClick={dismissDelete} disabled={isBusy}>
                  Keep it
                </Button>
              </>
            }
          >
            The server is powered off and its disks are wiped; the machine goes back to the pool for another project and stops using your
            grant’s credit. Its data cannot be recovered.
          </Banner>
        </div>
      ) : null}
      <ErrorBanner error={act.error ?? remove.error ?? removeAsked.error} />
      {state === 'failed' ? (
        <div className="page-banner">
          <Banner tone="error" title="Provisioning failed">
            <div>{server.state_reason ?? 'No reason was recorded.'}</div>
            <div className="small">The machine went to the operators for a look. Delete this server and create another to try again.</div>
          </Banner>
        </div>
      ) : state === 'deleted' ? (
        <div className="page-banner">
          <Banner tone="info" title="Deleted">
            The machine was wiped and returned to the pool{server.deleted_at ? ' ' : '.'}
            {server.deleted_at ? <Time iso={server.deleted_at} /> : null}
          </Banner>
        </div>
      ) : null}
      {state === 'queued' || state === 'provisioning' || state === 'reinstalling' ? (
        <Card>
          <div className="stack">
            <div className="server-progress-label" style={{ fontSize: 14 }}>
              <strong>{state === 'reinstalling' ? 'Reinstalling' : 'Provisioning'}</strong>
              <span data-testid="progress-percent">{server.progress_percent}%</span>
            </div>
            <div
              className="progress progress-live"
              role="progressbar"
              aria-label="Provisioning progress"
              aria-valuemin={0}
              aria-valuemax={100}
              aria-valuenow={server.progress_percent}
            >
              <span style={{ width: `${Math.max(server.progress_percent, 2)}%` }} />
            </div>
            <span className="small muted">
              {server.timeline.at(-1) ? stepLabel(server.timeline.at(-1) as ServerDetail['timeline'][number]) : 'Queued'}. This page updates
              every 2 seconds.
            </span>
          </div>
        </Card>
      ) : null}
      <div className="grid-2" style={{ marginTop: 20 }}>
        <div className="stack-lg">
          <Card title="Access" description="SSH as root with a key installed at creation.">
            <Access server={server} />
          </Card>
          <Card title="Timeline" description="Every step and state change, newest first.">
            <ServerTimeline events={server.timeline} />
          </Card>
        </div>
        <div className="stack-lg">
          <Card title="Details">
            <dl className="dl dl-compact">
              <div>
                <dt>State</dt>
                <dd>
                  <ServerStateBadge state={state} />
                </dd>
              </div>
              <div>
                <dt>Project</dt>
                <dd>
                  <Link to={`/projects/${server.project.slug}/servers`}>{server.project.name}</Link>
                </dd>
              </div>
              <div>
                <dt>Plan</dt>
                <dd className="mono">{server.plan}</dd>
              </div>
              <div>
                <dt>Metro</dt>
                <dd>{server.metro}</dd>
              </div>
              <div>
                <dt>Operating system</dt>
                <dd>{osName}</dd>
              </div>
              <div>
                <dt>Always netboot</dt>
                <dd>{server.always_pxe ? 'Yes' : 'No'}</dd>
              </div>
              <div>
                <dt>Deleted automatically</dt>
                <dd>{server.termination_time ? <Time iso={server.termination_time} format="absolute" /> : 'Never'}</dd>
              </div>
              <div>
                <dt>Active since</dt>
                <dd>{server.activated_at ? <Time iso={server.activated_at} /> : '—'}</dd>
              </div>
              <div>
                <dt>Last heartbeat</dt>
                <dd>{server.last_heartbeat_at ? <Time iso={server.last_heartbeat_at} /> : '—'}</dd>
              </div>
              {isStaff && server.machine ? (
                <div>
                  <dt>Machine</dt>
                  <dd>
                    <Link to={`/inventory/machines/${server.machine.id}`}>{server.machine.hostname}</Link>
                  </dd>
                </div>
              ) : null}
            </dl>
          </Card>
        </div>
      </div>

      <Dialog
        isOpen={isReinstallOpen}
        title={`Reinstall ${server.hostname}`}
        onClose={() => setIsReinstallOpen(false)}
        onSubmit={() => void reinstall.run(undefined)}
        footer={
          <>
            <Button onClick={() => setIsReinstallOpen(false)}>Cancel</Button>
            <Button type="submit" variant="danger-solid" isLoading={reinstall.isRunning}>
              Reinstall
            </Button>
          </>
        }
      >
        <ErrorBanner error={reinstall.bannerError} />
        <p>The server netboots again and installs the operating system you choose. It is unreachable until it is active again.</p>
        <SelectField
          label="Operating system"
          value={reinstallOs}
          onChange={(event) => setReinstallOs(event.target.value)}
          error={reinstall.fieldError('operating_system')}
          hint={plan ? `Offered for ${plan.architecture}.` : undefined}
        >
          <OsOptions systems={systems} />
        </SelectField>
        <div style={{ marginTop: 12 }}>
          <Checkbox
            label="Keep the data disks"
            hint="Only the system is reinstalled; without this, every disk is erased."
            checked={isDataKept}
            onChange={(event) => setIsDataKept(event.target.checked)}
          />
        </div>
      </Dialog>
    </>
  );
}
