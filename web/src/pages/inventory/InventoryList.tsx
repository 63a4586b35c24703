import { type Schemas, unwrap } from '@surplus/api-client';
import { useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { ButtonLink } from '../../components/Button.tsx';
import { Card } from '../../components/Card.tsx';
import { type Column, DataTable } from '../../components/DataTable.tsx';
import { EmptyState } from '../../components/EmptyState.tsx';
import { SelectField } from '../../components/Field.tsx';
import { Icon } from '../../components/Icon.tsx';
import { PageHeader } from '../../components/PageHeader.tsx';
import { Time } from '../../components/Time.tsx';
import { usePagedList } from '../../hooks/use-paged-list.ts';
import { useResource } from '../../hooks/use-resource.ts';
import { useSession } from '../../session.tsx';
import { ServerStateBadge } from '../servers/server-states.tsx';
import {
  MACHINE_STATE_ORDER,
  MACHINE_STATES,
  type Machine,
  type MachineState,
  MachineStateBadge,
  PROVIDER_LABELS,
} from './machine-states.tsx';
import { OperatorTaskCount } from './OperatorTasks.tsx';

type Counts = Schemas['MachineStateCounts'];

/**
 * The fleet at a glance: one bar split by state, and a legend whose entries filter the table. The
 * counts follow the plan, metro and search filters, not the state filter, so the bar stays whole.
 */
function FleetBar({ counts, state, onState }: { counts: Counts; state: string; onState: (state: string) => void }) {
  const total = counts.total;
  const summary = MACHINE_STATE_ORDER.map((key) => `${counts[key]} ${MACHINE_STATES[key].label.toLowerCase()}`).join(', ');
  return (
    <div className="fleet">
      <div className="fleet-total">
        <span className="figure" data-testid="fleet-total">
          {total}
        </span>
        <span className="muted">{total === 1 ? 'machine' : 'machines'}</span>
      </div>
      <div className="fleet-bar" role="img" aria-label={`Machines by state: ${summary}.`}>
        {total > 0
          ? MACHINE_STATE_ORDER.filter((key) => counts[key] > 0).map((key) => (
              <span
                key={key}
                className={`state-${key}`}
                style={{ width: `${(counts[key] / total) * 100}%` }}
                title={`${counts[key]} ${key}`}
              />
            ))
          : null}
      </div>
      <ul className="fleet-legend" aria-label="Filter by state">
        {MACHINE_STATE_ORDER.map((key) => (
          <li key={key}>
            <button
              type="button"
              aria-pressed={state === key}
              onClick={() => onState(state === key ? '' : key)}
              title={MACHINE_STATES[key].hint}
            >
              <span className={`swatch state-${key}`} aria-hidden="true" />
              {MACHINE_STATES[key].label}
              <strong data-testid={`fleet-${key}`}>{counts[key]}</strong>
            </button>
          </li>
        ))}
      </ul>
    </div>
  );
}

const columns: Column<Machine>[] = [
  {
    header: 'Machine',
    cell: (machine) => (
      <div>
        <Link className="cell-title machine-name" to={`/inventory/machines/${machine.id}`}>
          {machine.hostname}
        </Link>
        <span className="cell-sub">
          {[machine.location, machine.serial ? `S/N ${machine.serial}` : null].filter(Boolean).join(' · ') || '—'}
        </span>
      </div>
    ),
  },
  {
    header: 'State',
    cell: (machine) => (
      <div>
        <MachineStateBadge state={machine.state} isCurrent />
        {machine.state_reason && machine.state !== 'allocated' ? (
          <span className="cell-sub state-reason" title={machine.state_reason}>
            {machine.state_reason}
          </span>
        ) : null}
      </div>
    ),
  },
  { header: 'Plan', cell: (machine) => <span className="mono">{machine.plan}</span> },
  { header: 'Metro', cell: (machine) => machine.metro },
  {
    header: 'BMC',
    cell: (machine) => (
      <div>
        <span>{PROVIDER_LABELS[machine.bmc_provider]}</span>
        {machine.bmc_url ? <span className="cell-sub mono">{machine.bmc_url}</span> : null}
      </div>
    ),
  },
  {
    header: 'Server',
    cell: (machine) =>
      machine.server ? (
        <div>
          <Link to={`/servers/${machine.server.id}`}>{machine.server.hostname}</Link>{' '}
          <ServerStateBadge state={machine.server.state as Schemas['ServerState']} />
          <span className="cell-sub">{machine.server.project.name}</span>
        </div>
      ) : (
        <span className="muted">—</span>
      ),
  },
  { header: 'Changed', cell: (machine) => <Time iso={machine.updated_at} /> },
];

/** Operators: the fleet by state, and every machine with filters. */
export function InventoryList() {
  const { client } = useSession();
  const [params, setParams] = useSearchParams();
  const state = params.get('state') ?? '';
  const plan = params.get('plan') ?? '';
  const metro = params.get('metro') ?? '';
  const q = params.get('q') ?? '';
  const [search, setSearch] = useState(q);
  const [counts, setCounts] = useState<Counts | null>(null);
  const catalog = useResource('catalog', () => unwrap(client.GET('/api/v1/catalog')));
  const tasks = useResource('operator-tasks', () => unwrap(client.GET('/api/v1/machines/tasks')));
  const list = usePagedList(`machines:${state}:${plan}:${metro}:${q}`, async (cursor) => {
    const page = await unwrap(
      client.GET('/api/v1/machines', {
        params: {
          query: {
            state: (state || undefined) as MachineState | undefined,
            plan: plan || undefined,
            metro: metro || undefined,
            q: q || undefined,
            cursor,
            limit: 50,
          },
        },
      }),
    );
    setCounts(page.counts);
    return page;
  });
  const setFilter = (name: string, value: string) =>
    setParams(
      (current) => {
        const next = new URLSearchParams(current);
        if (value) next.set(name, value);
        else next.delete(name);
        return next;
      },
      { replace: true },
    );
  const isFiltered = Boolean(state || plan || metro || q);

  return (
    <>
      <PageHeader
        title="Inventory"
        description="The machines servers run on: enrolled through their BMC, probed, and allocated to servers from the pool."
        actions={
          <>
            <ButtonLink to="/inventory/tasks">
              <Icon name="clipboard" />
              Operator tasks
              <OperatorTaskCount count={tasks.data?.items.length} />
            </ButtonLink>
            <ButtonLink to="/inventory/import">
              <Icon name="layers" />
              Import CSV
            </ButtonLink>
            <ButtonLink to="/inventory/enroll" variant="primary">
              <Icon name="plus" />
              Enroll machine
            </ButtonLink>
          </>
        }
      />
      <Card title="Fleet" description="Machines per state under the filters below. Choose a state to list only those machines.">
        {counts ? (
          <FleetBar counts={counts} state={state} onState={(value) => setFilter('state', value)} />
        ) : (
          <div className="muted">Loading…</div>
        )}
      </Card>
      <form
        className="filters"
        aria-label="Filter machines"
        onSubmit={(event) => {
          event.preventDefault();
          setFilter('q', search.trim());
        }}
        style={{ marginTop: 20 }}
      >
        <div className="field field-search">
          <label className="field-label" htmlFor="machine-search">
            Search
          </label>
          <div className="search">
            <Icon name="search" />
            <input
              id="machine-search"
              className="input"
              type="search"
              placeholder="Hostname, serial, location or MAC"
              value={search}
              onChange={(event) => setSearch(event.target.value)}
              onBlur={() => search.trim() !== q && setFilter('q', search.trim())}
            />
          </div>
        </div>
        <SelectField label="State" value={state} onChange={(event) => setFilter('state', event.target.value)}>
          <option value="">Any state</option>
          {MACHINE_STATE_ORDER.map((key) => (
            <option key={key} value={key}>
              {MACHINE_STATES[key].label}
            </option>
          ))}
        </SelectField>
        <SelectField label="Plan" value={plan} onChange={(event) => setFilter('plan', event.target.value)}>
          <option value="">Any plan</option>
          {catalog.data?.plans.map((p) => (
            <option key={p.slug} value={p.slug}>
              {p.slug}
            </option>
          ))}
        </SelectField>
        <SelectField label="Metro" value={metro} onChange={(event) => setFilter('metro', event.target.value)}>
          <option value="">Any metro</option>
          {catalog.data?.metros.map((m) => (
            <option key={m.code} value={m.code}>
              {m.name} ({m.code})
            </option>
          ))}
        </SelectField>
      </form>
      <Card isFlush>
        <DataTable
          label="Machines"
          columns={columns}
          rows={list.items}
          rowKey={(machine) => machine.id}
          isLoading={list.isLoading}
          error={list.error}
          onRetry={list.reload}
          hasMore={list.hasMore}
          isLoadingMore={list.isLoadingMore}
          onLoadMore={list.loadMore}
          empty={
            isFiltered ? (
              <EmptyState icon="search" title="No machines match">
                Change the filters, or choose the state again to clear it.
              </EmptyState>
            ) : (
              <EmptyState
                icon="server"
                title="No machines yet"
                actions={
                  <>
                    <ButtonLink to="/inventory/enroll" variant="primary">
                      Enroll a machine
                    </ButtonLink>
                    <ButtonLink to="/inventory/import">Import a CSV</ButtonLink>
                  </>
                }
              >
                Enroll servers by their BMC (Redfish), or with the manual provider where someone does the power and boot steps by hand.
              </EmptyState>
            )
          }
        />
      </Card>
    </>
  );
}
