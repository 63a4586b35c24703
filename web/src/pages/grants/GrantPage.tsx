import { ApiError, type Schemas, unwrap } from '@surplus/api-client';
import { type FormEvent, useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { Badge } from '../../components/Badge.tsx';
import { Banner, ErrorBanner } from '../../components/Banner.tsx';
import { BudgetBar } from '../../components/BudgetChart.tsx';
import { Button, ButtonLink } from '../../components/Button.tsx';
import { Card } from '../../components/Card.tsx';
import { Dialog } from '../../components/Dialog.tsx';
import { EmptyState } from '../../components/EmptyState.tsx';
import { Field, TextAreaField, TextField } from '../../components/Field.tsx';
import { Icon } from '../../components/Icon.tsx';
import { PageLoading } from '../../components/Loading.tsx';
import { MarkdownEditor } from '../../components/MarkdownEditor.tsx';
import { formatCents } from '../../components/money.ts';
import { Time } from '../../components/Time.tsx';
import { useToast } from '../../components/Toast.tsx';
import { daysBetween, formatDay, isoDay } from '../../components/time.ts';
import { useAction } from '../../hooks/use-action.ts';
import { useResource } from '../../hooks/use-resource.ts';
import { useSession } from '../../session.tsx';
import { REQUEST_STATES, type RequestState } from '../requests/labels.ts';
import { GrantStateBadge, RequestStateBadge } from '../requests/RequestBadges.tsx';
import { daysLeftText } from './GrantList.tsx';

type Grant = Schemas['GrantDetail'];
const OPEN_REQUEST_STATES = ['draft', 'needs_info', 'submitted', 'in_review', 'changes_requested'];

/** How much of the grant's time has passed, as a bar with the dates under it. */
function GrantTime({ grant }: { grant: Grant }) {
  const total = Math.max(daysBetween(grant.starts_on, grant.last_day), 1);
  const elapsed = Math.min(Math.max(daysBetween(grant.starts_on, isoDay()), 0), total);
  const percent = Math.round((elapsed / total) * 100);
  const isOngoing = grant.ends_on === null;
  return (
    <div className="grant-time">
      <div className="grant-time-head">
        <strong className={grant.state === 'expiring' ? 'text-warning' : undefined}>{daysLeftText(grant)}</strong>
        <span className="muted small">{percent}% of the grant’s time used</span>
      </div>
      <div
        className={grant.state === 'expiring' ? 'progress progress-warning' : 'progress'}
        role="progressbar"
        aria-label="Time used"
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={percent}
      >
        <span style={{ width: `${percent}%` }} />
      </div>
      <div className="grant-time-dates small muted">
        <span>Started {formatDay(grant.starts_on)}</span>
        <span>
          {isOngoing ? 'Review on' : 'Ends'} {formatDay(grant.last_day)}
        </span>
      </div>
    </div>
  );
}

/** This UTC month's credit, spend and remainder, and how long the grant has left. */
function GrantMonth({ grant }: { grant: Grant }) {
  const month = grant.figures.this_month;
  const money = (cents: number) => formatCents(cents, grant.currency);
  return (
    <Card title="This month" description={`Spend against the monthly credit, ${month.month.slice(0, 7)}.`}>
      <div className="stack" data-testid="grant-month">
        <BudgetBar
          label={`${grant.program.name} this month`}
          budget={{
            currency: grant.currency,
            budget_cents: month.credit_cents,
            spent_cents: month.spent_cents,
            committed_cents: 0,
            remaining_cents: month.remaining_cents,
          }}
        />
        <dl className="dl dl-compact">
          <div>
            <dt>Credit</dt>
            <dd>{money(month.credit_cents)}</dd>
          </div>
          <div>
            <dt>Spent</dt>
            <dd>
              {money(month.spent_cents)} ({month.percent_used}%)
            </dd>
          </div>
          <div>
            <dt>Remaining</dt>
            <dd className={month.remaining_cents < 0 ? 'text-danger' : undefined}>{money(month.remaining_cents)}</dd>
          </div>
          <div>
            <dt>{grant.ends_on === null ? 'Review on' : 'Expires'}</dt>
            <dd>
              {formatDay(grant.last_day)} · {daysLeftText(grant)}
            </dd>
          </div>
        </dl>
        {month.percent_used >= 100 ? <Badge tone="red">Credit used up: new servers refused until next month</Badge> : null}
      </div>
    </Card>
  );
}

function ExtensionForm({ grant, onCreated }: { grant: Grant; onCreated: (request: Schemas['RequestDetail']) => void }) {
  const { client } = useSession();
  const isOngoing = grant.ends_on === null;
  const [report, setReport] = useState('');
  const [resultsUrl, setResultsUrl] = useState('');
  const [until, setUntil] = useState('');
  const extend = useAction(async () => {
    const created = await unwrap(
      client.POST('/api/v1/grants/{id}/extend', {
        params: { path: { id: grant.id } },
        body: {
          progress_report: report,
          ...(resultsUrl.trim() ? { results_url: resultsUrl.trim() } : {}),
          ...(until ? (isOngoing ? { review_on: until } : { end_on: until }) : {}),
        },
      }),
    );
    onCreated(created);
  }, ['progress_report', 'results_url', 'end_on', 'review_on']);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void extend.run(undefined);
  };
  return (
    <form className="form" onSubmit={submit} noValidate aria-label="Ask for an extension">
      <ErrorBanner error={extend.bannerError} title="The extension was not requested" />
      <Field
        label="Progress report"
        error={extend.fieldError('progress_report')}
        hint="What the servers did so far. Reviewers read it like a new request. Markdown."
      >
        {(control) => (
          <MarkdownEditor
            label="Progress report editor"
            placeholder="Builds run, benchmarks published, users served…"
            value={report}
            onChange={setReport}
            error={extend.fieldError('progress_report')}
            control={control}
            isCompact
          />
        )}
      </Field>
      <div className="form-row">
        <TextField
          label="Where the results are"
          type="url"
          isOptional
          placeholder="https://…"
          value={resultsUrl}
          onChange={(event) => setResultsUrl(event.target.value)}
          error={extend.fieldError('results_url')}
        />
        <TextField
          label={isOngoing ? 'New review date' : 'New end date'}
          type="date"
          isOptional
          min={grant.last_day}
          value={until}
          onChange={(event) => setUntil(event.target.value)}
          error={extend.fieldError(isOngoing ? 'review_on' : 'end_on')}
          hint="Left empty: the program’s usual grant length."
        />
      </div>
      <div className="btn-row">
        <Button type="submit" variant="primary" isLoading={extend.isRunning}>
          Ask for an extension
        </Button>
      </div>
    </form>
  );
}

export function GrantPage() {
  const { id = '' } = useParams();
  const { client, isStaff, isAdmin } = useSession();
  const toast = useToast();
  const navigate = useNavigate();
  const path = { params: { path: { id } } };
  const resource = useResource(`grant:${id}`, () => unwrap(client.GET('/api/v1/grants/{id}', path)));
  const grant = resource.data;
  const projectId = grant?.project.id ?? '';
  const project = useResource(`grant-project:${projectId}`, async () =>
    projectId ? unwrap(client.GET('/api/v1/projects/{project}', { params: { path: { project: projectId } } })) : null,
  );
  const program = useResource(`grant-program:${grant?.program.id ?? ''}`, async () =>
    grant && isStaff ? unwrap(client.GET('/api/v1/programs/{program}', { params: { path: { program: grant.program.id } } })) : null,
  );
  const [dialog, setDialog] = useState<'end' | 'revoke' | null>(null);
  const [isExtending, setIsExtending] = useState(false);
  const [endsOn, setEndsOn] = useState('');
  const [reason, setReason] = useState('');
  const end = useAction(async () => {
    const updated = await unwrap(client.POST('/api/v1/grants/{id}/end', { ...path, body: { ends_on: endsOn, reason: reason.trim() } }));
    resource.setData(() => updated);
    setDialog(null);
    toast.success(`The grant now ends on ${formatDay(updated.last_day)}; the owners were told.`);
  }, ['ends_on', 'reason']);
  const revoke = useAction(async () => {
    const updated = await unwrap(client.POST('/api/v1/grants/{id}/revoke', { ...path, body: { reason: reason.trim() } }));
    resource.setData(() => updated);
    setDialog(null);
    toast.success('The grant was revoked.');
  }, ['reason']);

  if (resource.isLoading && !grant) return <PageLoading label="Loading grant…" />;
  if (resource.error instanceof ApiError && resource.error.status === 404)
    return (
      <EmptyState
        icon="gift"
        title="Grant not found"
        actions={
          <ButtonLink to="/grants" variant="primary">
            Back to grants
          </ButtonLink>
        }
      >
        It does not exist, or it belongs to a project you are not a member of.
      </EmptyState>
    );
  if (!grant) return <ErrorBanner error={resource.error} onRetry={resource.reload} />;

  const isLive = grant.state === 'active' || grant.state === 'expiring';
  const isOwner = project.data?.my_role === 'owner';
  const openExtension = grant.extensions.find((extension) => OPEN_REQUEST_STATES.includes(extension.state));
  const minNoticeDays = program.data?.policy.min_notice_days ?? 0;
  const earliestEnd = isoDay(minNoticeDays);
  const isOngoing = grant.ends_on === null;

  return (
    <>
      <header className="page-header">
        <div>
          <nav className="breadcrumbs" aria-label="Breadcrumb">
            <ol>
              <li>
                <Link to="/grants">Grants</Link>
              </li>
            </ol>
          </nav>
          <h1>
            {grant.project.name} <span className="muted">· {grant.program.name}</span>
          </h1>
          <div className="meta-row">
            <GrantStateBadge state={grant.state} />
            <Link to={`/requests/${grant.request.id}`}>
              <Icon name="inbox" size={14} />
              From request #{grant.request.number}
            </Link>
            <Link to={`/projects/${grant.project.slug}/requests`}>
              <Icon name="projects" size={14} />
              {grant.project.name}
            </Link>
            <span>
              Granted <Time iso={grant.created_at} />
            </span>
          </div>
        </div>
        <div className="page-header-actions">
          {isStaff && isLive ? (
            <Button
              onClick={() => {
                setEndsOn([earliestEnd, grant.last_day].sort()[0] ?? earliestEnd);
                setReason('');
                setDialog('end');
              }}
            >
              End early…
            </Button>
          ) : null}
          {isAdmin && isLive ? (
            <Button
              variant="danger"
              onClick={() => {
                setReason('');
                setDialog('revoke');
              }}
            >
              Revoke…
            </Button>
          ) : null}
        </div>
      </header>
      {grant.state === 'revoked' || grant.state === 'expired' ? (
        <div className="page-banner">
          <Banner tone={grant.state === 'revoked' ? 'error' : 'info'} title={grant.state === 'revoked' ? 'Revoked' : 'Expired'}>
            {grant.end_reason ?? (grant.state === 'expired' ? 'The grant reached its last day.' : '')}
            {grant.ended_at ? (
              <>
                {' '}
                · <Time iso={grant.ended_at} />
              </>
            ) : null}
          </Banner>
        </div>
      ) : grant.end_reason ? (
        <div className="page-banner">
          <Banner tone="warning" title={`Ending early on ${formatDay(grant.last_day)}`}>
            {grant.end_reason}
          </Banner>
        </div>
      ) : null}

      <div className="grid-2">
        <div className="stack-lg">
          <Card title="Terms">
            <dl className="dl dl-grid" aria-label="Grant terms">
              <div>
                <dt>Monthly credit cap</dt>
                <dd className="figure" data-testid="grant-credit">
                  {formatCents(grant.monthly_credit_cents, grant.currency)}
                </dd>
              </div>
              <div>
                <dt>Servers at once</dt>
                <dd className="figure" data-testid="grant-max-servers">
                  {grant.max_servers}
                </dd>
              </div>
              <div>
                <dt>Allowed plans</dt>
                <dd className="badges">
                  {grant.allowed_plans.map((plan) => (
                    <Badge key={plan}>
                      <span className="mono">{plan}</span>
                    </Badge>
                  ))}
                </dd>
              </div>
              <div>
                <dt>Allowed metros</dt>
                <dd className="badges">
                  {grant.allowed_metros.map((metro) => (
                    <Badge key={metro}>{metro}</Badge>
                  ))}
                </dd>
              </div>
              <div>
                <dt>Starts</dt>
                <dd>{formatDay(grant.starts_on)}</dd>
              </div>
              <div>
                <dt>{isOngoing ? 'Review date (ongoing)' : 'Ends'}</dt>
                <dd>{formatDay(grant.last_day)}</dd>
              </div>
              {grant.override_reason ? (
                <div className="dl-wide">
                  <dt>Budget override</dt>
                  <dd>{grant.override_reason}</dd>
                </div>
              ) : null}
            </dl>
          </Card>
          <Card title="Time">
            <GrantTime grant={grant} />
          </Card>
          {isOwner && grant.state !== 'revoked' ? (
            <Card
              title="Extension"
              description={isOngoing ? 'Ask to keep the grant past its review date.' : 'Ask to keep the servers past the end date.'}
            >
              {openExtension ? (
                <Banner
                  tone="info"
                  title={`Extension request #${openExtension.number} is open`}
                  actions={
                    <ButtonLink size="sm" to={`/requests/${openExtension.id}`}>
                      Open it
                    </ButtonLink>
                  }
                >
                  Reviewers decide on it like on a new request.
                </Banner>
              ) : grant.state === 'active' && grant.figures.days_left > 30 && !isExtending ? (
                <div className="btn-row btn-row-between">
                  <p className="muted" style={{ margin: 0 }}>
                    {daysLeftText(grant)}. Owners usually ask in the last month, with a progress report; you can ask now.
                  </p>
                  <Button onClick={() => setIsExtending(true)}>Ask for an extension…</Button>
                </div>
              ) : (
                <ExtensionForm
                  grant={grant}
                  onCreated={(created) => {
                    toast.success(`Extension request #${created.number} submitted.`);
                    navigate(`/requests/${created.id}`);
                  }}
                />
              )}
            </Card>
          ) : null}
        </div>
        <div className="stack-lg">
          <GrantMonth grant={grant} />
          <Card
            title="This fiscal year"
            description={`${formatDay(grant.figures.fiscal_year.starts_on)} – ${formatDay(grant.figures.fiscal_year.ends_on)}`}
          >
            <dl className="dl dl-compact">
              <div>
                <dt>Committed (may still spend)</dt>
                <dd>{formatCents(grant.figures.committed_cents, grant.currency)}</dd>
              </div>
              <div>
                <dt>Spent</dt>
                <dd>{formatCents(grant.figures.spent_cents, grant.currency)}</dd>
              </div>
            </dl>
            {grant.program_budget ? (
              <div style={{ marginTop: 12 }}>
                <div className="section-title">Program budget</div>
                <BudgetBar budget={grant.program_budget} label={`${grant.program.name} budget`} />
                <p className="small muted" style={{ margin: '6px 0 0' }}>
                  {formatCents(grant.program_budget.remaining_cents, grant.program_budget.currency)} of{' '}
                  {formatCents(grant.program_budget.budget_cents, grant.program_budget.currency)} remaining
                </p>
              </div>
            ) : null}
          </Card>
          <Card title="Extensions">
            {grant.extensions.length ? (
              <ul className="plain-list">
                {grant.extensions.map((extension) => (
                  <li key={extension.id}>
                    <Link to={`/requests/${extension.id}`}>Request #{extension.number}</Link>{' '}
                    {extension.state in REQUEST_STATES ? <RequestStateBadge state={extension.state as RequestState} /> : extension.state}
                    <div className="small muted">
                      asked <Time iso={extension.created_at} />
                    </div>
                  </li>
                ))}
              </ul>
            ) : (
              <p className="muted small">None asked for.</p>
            )}
          </Card>
          <Card title="Expiry notices">
            {grant.notices.length ? (
              <ul className="plain-list">
                {grant.notices.map((notice) => (
                  <li key={notice.days_before}>
                    {notice.days_before} days before · <Time iso={notice.sent_at} />
                  </li>
                ))}
              </ul>
            ) : (
              <p className="muted small">Owners are told 30, 7 and 1 days before the last day, by email and here.</p>
            )}
          </Card>
        </div>
      </div>

      <Dialog
        isOpen={dialog === 'end'}
        title="End the grant early"
        onClose={() => {
          end.reset();
          setDialog(null);
        }}
        onSubmit={() => void end.run(undefined)}
        footer={
          <>
            <Button onClick={() => setDialog(null)}>Cancel</Button>
            <Button type="submit" variant="danger-solid" isLoading={end.isRunning} disabled={!endsOn || !reason.trim()}>
              End the grant
            </Button>
          </>
        }
      >
        <ErrorBanner error={end.bannerError} />
        <p>
          The servers stay until the new last day; the owners are told now. The program gives at least <strong>{minNoticeDays} days</strong>{' '}
          notice.
        </p>
        <div className="form">
          <TextField
            label="New last day"
            type="date"
            min={earliestEnd}
            max={grant.last_day}
            value={endsOn}
            onChange={(event) => setEndsOn(event.target.value)}
            error={end.fieldError('ends_on')}
          />
          <TextAreaField
            label="Reason"
            rows={3}
            value={reason}
            onChange={(event) => setReason(event.target.value)}
            error={end.fieldError('reason')}
            hint="The owners see it."
          />
        </div>
      </Dialog>
      <Dialog
        isOpen={dialog === 'revoke'}
        title="Revoke the grant"
        onClose={() => {
          revoke.reset();
          setDialog(null);
        }}
        onSubmit={() => void revoke.run(undefined)}
        footer={
          <>
            <Button onClick={() => setDialog(null)}>Cancel</Button>
            <Button type="submit" variant="danger-solid" isLoading={revoke.isRunning} disabled={!reason.trim()}>
              Revoke now
            </Button>
          </>
        }
      >
        <ErrorBanner error={revoke.bannerError} />
        <Banner tone="warning" title="For abuse only">
          Revoking ends the grant today, without notice, and reclaims its servers. Ending early with notice is the usual way.
        </Banner>
        <TextAreaField
          label="What abuse this answers"
          rows={3}
          value={reason}
          onChange={(event) => setReason(event.target.value)}
          error={revoke.fieldError('reason')}
          hint="Kept in the audit log."
        />
      </Dialog>
    </>
  );
}
