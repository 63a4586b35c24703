import { type Schemas, unwrap } from '@surplus/api-client';
import { useEffect, useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { Badge } from '../../components/Badge.tsx';
import { Card } from '../../components/Card.tsx';
import { type Column, DataTable } from '../../components/DataTable.tsx';
import { EmptyState } from '../../components/EmptyState.tsx';
import { Icon } from '../../components/Icon.tsx';
import { centsFromInput, formatCents } from '../../components/money.ts';
import { PageHeader } from '../../components/PageHeader.tsx';
import { Time } from '../../components/Time.tsx';
import { usePagedList } from '../../hooks/use-paged-list.ts';
import { useResource } from '../../hooks/use-resource.ts';
import { useSession } from '../../session.tsx';
import { PURPOSES, purposeLabel, REQUEST_STATES, type RequestState } from '../requests/labels.ts';
import { RequestStateBadge, SourceBadge, VoteTally } from '../requests/RequestBadges.tsx';

type Item = Schemas['ReviewQueueItem'];
type Sort = 'oldest' | 'newest' | 'cost_desc' | 'cost_asc';

const QUEUE_STATES: RequestState[] = ['submitted', 'in_review', 'needs_info', 'changes_requested'];
const SORTS: { value: Sort; label: string }[] = [
  { value: 'oldest', label: 'Waiting longest' },
  { value: 'newest', label: 'Newest' },
  { value: 'cost_desc', label: 'Highest cost' },
  { value: 'cost_asc', label: 'Lowest cost' },
];
const AGES = [
  { value: '', label: 'Any age' },
  { value: '1', label: 'Waiting 1+ days' },
  { value: '3', label: 'Waiting 3+ days' },
  { value: '7', label: 'Waiting 7+ days' },
  { value: '14', label: 'Waiting 14+ days' },
];
const TYPING_DELAY_MS = 400;

function waitingText(item: Item) {
  if (!item.submitted_at) return <span className="muted">not submitted</span>;
  return (
    <span className={item.is_overdue ? 'waiting waiting-overdue' : 'waiting'}>
      {item.waiting_days === 0 ? '< 1 day' : `${item.waiting_days} day${item.waiting_days === 1 ? '' : 's'}`}
      {item.is_overdue ? (
        <Badge tone="red" title="Waiting longer than the program’s review-time target">
          <Icon name="clock" size={12} />
          Overdue
        </Badge>
      ) : null}
    </span>
  );
}

/** Staff: requests waiting for a decision, oldest first, with the filters a reviewer works by. */
export function ReviewQueue() {
  const { client } = useSession();
  const [params, setParams] = useSearchParams();
  const program = params.get('program') ?? '';
  const state = params.get('state') ?? '';
  const purpose = params.get('purpose') ?? '';
  const age = params.get('age') ?? '';
  const source = params.get('source') ?? '';
  const sort = (params.get('sort') ?? 'oldest') as Sort;
  const minCost = params.get('min') ?? '';
  const maxCost = params.get('max') ?? '';
  const [minInput, setMinInput] = useState(minCost);
  const [maxInput, setMaxInput] = useState(maxCost);
  const programs = useResource('programs', () => unwrap(client.GET('/api/v1/programs')));

  const setParam = (key: string, value: string) =>
    setParams(
      (current) => {
        const next = new URLSearchParams(current);
        if (value) next.set(key, value);
        else next.delete(key);
        return next;
      },
      { replace: true },
    );

  // Cost bounds are typed: apply them after a pause, and only when they read as amounts.
  useEffect(() => {
    if (minInput === minCost && maxInput === maxCost) return;
    const timer = setTimeout(() => {
      setParams(
        (current) => {
          const next = new URLSearchParams(current);
          for (const [key, value] of [
            ['min', minInput],
            ['max', maxInput],
          ] as const) {
            if (value.trim() && centsFromInput(value) !== null) next.set(key, value.trim());
            else next.delete(key);
          }
          return next;
        },
        { replace: true },
      );
    }, TYPING_DELAY_MS);
    return () => clearTimeout(timer);
  }, [minInput, maxInput, minCost, maxCost, setParams]);

  const minCents = minCost ? (centsFromInput(minCost) ?? undefined) : undefined;
  const maxCents = maxCost ? (centsFromInput(maxCost) ?? undefined) : undefined;
  const key = JSON.stringify([program, state, purpose, age, source, sort, minCents, maxCents]);
  const list = usePagedList(`queue:${key}`, (cursor) =>
    unwrap(
      client.GET('/api/v1/review/queue', {
        params: {
          query: {
            program: program || undefined,
            state: state || undefined,
            purpose: (purpose || undefined) as Schemas['Purpose'] | undefined,
            source: (source || undefined) as 'web' | 'github' | undefined,
            min_age_days: age ? Number(age) : undefined,
            min_cost_cents: minCents,
            max_cost_cents: maxCents,
            sort,
            cursor,
            limit: 50,
          },
        },
      }),
    ),
  );
  const isFiltered = Boolean(program || state || purpose || age || source || minCents !== undefined || maxCents !== undefined);
  const overdue = list.items.filter((item) => item.is_overdue).length;

  const columns: Column<Item>[] = [
    {
      header: 'Request',
      cell: (item) => (
        <div>
          <Link className="cell-title" to={`/requests/${item.id}`}>
            <span className="muted">#{item.number}</span> {item.title}
          </Link>
          <span className="cell-sub">
            {item.project ? item.project.name : item.github_author ? `@${item.github_author} (no project yet)` : 'no project'}
            {item.purpose ? ` · ${purposeLabel(item.purpose)}` : ''}
            {item.kind === 'extension' ? ' · extension' : ''}
          </span>
        </div>
      ),
    },
    { header: 'Program', cell: (item) => item.program.name },
    {
      header: 'State',
      cell: (item) => (
        <span className="badges">
          <RequestStateBadge state={item.state} />
          <SourceBadge request={item} />
        </span>
      ),
    },
    { header: 'Estimate', cell: (item) => `${formatCents(item.monthly_estimate_cents)}/mo`, className: 'num' },
    {
      header: 'Waiting',
      cell: (item) => (
        <>
          {waitingText(item)}
          {item.submitted_at ? (
            <span className="cell-sub">
              since <Time iso={item.submitted_at} format="date" />
            </span>
          ) : null}
        </>
      ),
    },
    { header: 'Votes', cell: (item) => <VoteTally votes={item.votes} /> },
  ];

  return (
    <>
      <PageHeader
        title="Review queue"
        description={
          list.isLoading
            ? 'Requests waiting for a decision.'
            : `${list.items.length}${list.hasMore ? '+' : ''} request${list.items.length === 1 ? '' : 's'} waiting${overdue ? `, ${overdue} overdue` : ''}.`
        }
        actions={
          <label className="inline-field">
            <span className="field-label">Sort</span>
            <select
              className="select"
              value={sort}
              onChange={(event) => setParam('sort', event.target.value === 'oldest' ? '' : event.target.value)}
            >
              {SORTS.map((s) => (
                <option key={s.value} value={s.value}>
                  {s.label}
                </option>
              ))}
            </select>
          </label>
        }
      />
      <search className="filters" aria-label="Filter the queue">
        <label className="field">
          <span className="field-label">Program</span>
          <select className="select" value={program} onChange={(event) => setParam('program', event.target.value)}>
            <option value="">All programs</option>
            {(programs.data?.items ?? []).map((p) => (
              <option key={p.id} value={p.slug}>
                {p.name}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span className="field-label">State</span>
          <select className="select" value={state} onChange={(event) => setParam('state', event.target.value)}>
            <option value="">Waiting (all)</option>
            {QUEUE_STATES.map((s) => (
              <option key={s} value={s}>
                {REQUEST_STATES[s].label}
              </option>
            ))}
            <option value="approved">Approved</option>
            <option value="declined">Declined</option>
          </select>
        </label>
        <label className="field">
          <span className="field-label">Purpose</span>
          <select className="select" value={purpose} onChange={(event) => setParam('purpose', event.target.value)}>
            <option value="">Any purpose</option>
            {PURPOSES.map((p) => (
              <option key={p.value} value={p.value}>
                {p.label}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span className="field-label">Source</span>
          <select className="select" value={source} onChange={(event) => setParam('source', event.target.value)}>
            <option value="">Web and GitHub</option>
            <option value="web">Web form</option>
            <option value="github">GitHub issues</option>
          </select>
        </label>
        <label className="field">
          <span className="field-label">Age</span>
          <select className="select" value={age} onChange={(event) => setParam('age', event.target.value)}>
            {AGES.map((a) => (
              <option key={a.value} value={a.value}>
                {a.label}
              </option>
            ))}
          </select>
        </label>
        <div className="field field-cost">
          <span className="field-label" aria-hidden="true">
            Monthly cost ($)
          </span>
          <div className="range">
            <input
              className="input"
              inputMode="decimal"
              placeholder="min"
              aria-label="Minimum monthly cost in dollars"
              value={minInput}
              onChange={(event) => setMinInput(event.target.value)}
            />
            <span aria-hidden="true">–</span>
            <input
              className="input"
              inputMode="decimal"
              placeholder="max"
              aria-label="Maximum monthly cost in dollars"
              value={maxInput}
              onChange={(event) => setMaxInput(event.target.value)}
            />
          </div>
        </div>
      </search>
      <Card isFlush>
        <DataTable
          label="Review queue"
          columns={columns}
          rows={list.items}
          rowKey={(item) => item.id}
          rowClassName={(item) => (item.is_overdue ? 'row-overdue' : undefined)}
          isLoading={list.isLoading}
          error={list.error}
          onRetry={list.reload}
          hasMore={list.hasMore}
          isLoadingMore={list.isLoadingMore}
          onLoadMore={list.loadMore}
          empty={
            isFiltered ? (
              <EmptyState icon="search" title="No requests match these filters" />
            ) : (
              <EmptyState icon="clipboard" title="Nothing waiting">
                New and resubmitted requests show here, oldest first.
              </EmptyState>
            )
          }
        />
      </Card>
    </>
  );
}
