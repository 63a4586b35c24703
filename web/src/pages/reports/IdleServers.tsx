/**
 * Staff's list of idle servers: active, with no heartbeat, SSH session or traffic for their
 * program's idle days. Each with its project, how long it has been idle, the credit it used while
 * idle and what it keeps costing per month; the totals on top; one program at a time if asked;
 * sorted by idle days, longest first (the header turns the order around).
 */
import { type Schemas, unwrap } from '@surplus/api-client';
import { useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { Badge } from '../../components/Badge.tsx';
import { Card } from '../../components/Card.tsx';
import { type Column, DataTable } from '../../components/DataTable.tsx';
import { EmptyState } from '../../components/EmptyState.tsx';
import { SelectField } from '../../components/Field.tsx';
import { formatCents } from '../../components/money.ts';
import { PageHeader } from '../../components/PageHeader.tsx';
import { Time } from '../../components/Time.tsx';
import { formatDay } from '../../components/time.ts';
import { useResource } from '../../hooks/use-resource.ts';
import { useSession } from '../../session.tsx';
import '../../reports.css';

type IdleServer = Schemas['IdleServer'];

export function IdleServers() {
  const { client } = useSession();
  const [searchParams, setSearchParams] = useSearchParams();
  const program = searchParams.get('program') ?? '';
  const [isLongestFirst, setIsLongestFirst] = useState(true);
  const programs = useResource('programs', () => unwrap(client.GET('/api/v1/programs')));
  const idle = useResource(`idle-servers:${program}`, () =>
    unwrap(client.GET('/api/v1/usage/idle', { params: { query: program ? { program } : {} } })),
  );
  // Each server's amounts are in its program's currency; sums are per currency, never added across.
  const totals = idle.data?.totals ?? [];
  const sum = (pick: (total: (typeof totals)[number]) => number) =>
    totals.length === 0 ? formatCents(0) : totals.map((total) => formatCents(pick(total), total.currency)).join(' + ');
  const rows = [...(idle.data?.items ?? [])].sort((a, b) => (isLongestFirst ? b.idle_days - a.idle_days : a.idle_days - b.idle_days));

  const columns: Column<IdleServer>[] = [
    {
      header: 'Server',
      cell: (s) => (
        <>
          <Link to={`/servers/${s.server.id}`}>{s.server.hostname}</Link>
          <div className="cell-sub mono">
            {s.plan} · {s.metro}
          </div>
        </>
      ),
    },
    {
      header: 'Project',
      cell: (s) => (
        <>
          <Link to={`/projects/${s.project.slug}`}>{s.project.name}</Link>
          {s.program ? <div className="cell-sub">{s.program.slug}</div> : null}
        </>
      ),
    },
    {
      header: (
        <button
          type="button"
          className="link-button"
          onClick={() => setIsLongestFirst((value) => !value)}
          aria-label={`Idle days, ${isLongestFirst ? 'longest first' : 'shortest first'}: change the order`}
        >
          Idle days {isLongestFirst ? '↓' : '↑'}
        </button>
      ),
      cell: (s) => (
        <>
          <strong>{s.idle_days}</strong>
          <div className="cell-sub">
            since {formatDay(s.idle_since.slice(0, 10))} (policy {s.threshold_days})
          </div>
        </>
      ),
      className: 'num',
    },
    {
      header: 'Last sign of use',
      cell: (s) => (
        <div className="small">
          <div>Heartbeat: {s.last_heartbeat_at ? <Time iso={s.last_heartbeat_at} /> : 'never'}</div>
          <div>SSH: {s.last_ssh_session_at ? <Time iso={s.last_ssh_session_at} /> : 'never'}</div>
          <div>Traffic: {s.last_traffic_on ? formatDay(s.last_traffic_on) : 'none'}</div>
        </div>
      ),
    },
    { header: 'Used while idle', cell: (s) => formatCents(s.consumed_since_idle_cents, s.currency), className: 'num' },
    { header: 'Per month', cell: (s) => <strong>{formatCents(s.cents_per_month, s.currency)}</strong>, className: 'num' },
    {
      header: 'Owners',
      cell: (s) => (s.nudged_at ? <Badge tone="yellow">nudged {formatDay(s.nudged_at.slice(0, 10))}</Badge> : <Badge>not yet</Badge>),
    },
  ];

  return (
    <div className="stack-lg" data-testid="idle-servers-page">
      <PageHeader
        title="Idle servers"
        description="Active servers with no heartbeat, no SSH session and no traffic for their program’s idle days. They keep using credit until their owners delete them; owners get a nudge with a link to delete."
      />
      <div className="stats" data-testid="idle-totals">
        <div className="stat">
          <div className="stat-label">Idle servers</div>
          <div className="stat-value">{idle.data ? idle.data.items.length : '–'}</div>
        </div>
        <div className="stat">
          <div className="stat-label">Credit they use per month</div>
          <div className="stat-value">{idle.data ? sum((total) => total.cents_per_month) : '–'}</div>
          <div className="stat-sub">at 730 hours a month{totals.length > 1 ? ', per currency' : ''}</div>
        </div>
        <div className="stat">
          <div className="stat-label">Used while idle</div>
          <div className="stat-value">{idle.data ? sum((total) => total.consumed_since_idle_cents) : '–'}</div>
        </div>
      </div>
      <Card
        title="Servers"
        isFlush
        actions={
          <SelectField
            label="Program"
            value={program}
            onChange={(event) => setSearchParams(event.target.value ? { program: event.target.value } : {}, { replace: true })}
          >
            <option value="">All programs</option>
            {programs.data?.items.map((p) => (
              <option key={p.id} value={p.slug}>
                {p.name}
              </option>
            ))}
          </SelectField>
        }
      >
        <DataTable
          label="Idle servers"
          columns={columns}
          rows={rows}
          rowKey={(s) => s.server.id}
          isLoading={idle.isLoading && !idle.data}
          error={idle.error}
          onRetry={idle.reload}
          empty={
            <EmptyState icon="server" title="No idle servers">
              Every active server {program ? 'of this program ' : ''}showed a heartbeat, an SSH session or traffic within its program’s idle
              days.
            </EmptyState>
          }
        />
      </Card>
    </div>
  );
}
