import { ApiError, type Schemas, unwrap } from '@surplus/api-client';
import { useState } from 'react';
import { Link, useParams } from 'react-router';
import { Badge } from '../../components/Badge.tsx';
import { Banner, ErrorBanner } from '../../components/Banner.tsx';
import { Button, ButtonLink } from '../../components/Button.tsx';
import { Card } from '../../components/Card.tsx';
import { type Column, DataTable } from '../../components/DataTable.tsx';
import { EmptyState } from '../../components/EmptyState.tsx';
import { Icon } from '../../components/Icon.tsx';
import { PageLoading } from '../../components/Loading.tsx';
import { Markdown } from '../../components/Markdown.tsx';
import { formatCents } from '../../components/money.ts';
import { Time } from '../../components/Time.tsx';
import { useToast } from '../../components/Toast.tsx';
import { formatDay } from '../../components/time.ts';
import { useAction } from '../../hooks/use-action.ts';
import { useResource } from '../../hooks/use-resource.ts';
import { useSession } from '../../session.tsx';
import { DECIDABLE_STATES, EDITABLE_STATES, OPEN_STATES, purposeLabel, REQUEST_STATES, type RequestState } from './labels.ts';
import { CheckRow, RequestStateBadge, SourceBadge } from './RequestBadges.tsx';
import { RequestComments } from './RequestComments.tsx';
import { ApproveDialog, DeclineDialog, EvidenceCard, ReasonDialog, VotesCard } from './RequestReview.tsx';

type Request = Schemas['RequestDetail'];
type Line = Schemas['ResourceLine'];

function Timeline({ events }: { events: Request['timeline'] }) {
  return (
    <ol className="timeline">
      {events.map((event, index) => {
        const state = event.to_state as RequestState;
        return (
          // biome-ignore lint/suspicious/noArrayIndexKey: timeline events have no id and never reorder
          <li key={index} className={`timeline-item timeline-${REQUEST_STATES[state]?.tone ?? 'gray'}`}>
            <span className="timeline-dot" aria-hidden="true" />
            <div>
              <div>
                {state in REQUEST_STATES ? <RequestStateBadge state={state} /> : event.to_state}{' '}
                <span className="small muted">
                  by {event.actor} · <Time iso={event.occurred_at} />
                </span>
              </div>
              {event.note ? <p className="timeline-note">{event.note}</p> : null}
            </div>
          </li>
        );
      })}
    </ol>
  );
}

function ResourcesTable({ request, catalog }: { request: Request; catalog: Schemas['Catalog'] | undefined }) {
  const metroName = (code: string) => catalog?.metros.find((metro) => metro.code === code)?.name;
  const osName = (slug: string) => catalog?.operating_systems.find((os) => os.slug === slug);
  const columns: Column<Line & { index: number }>[] = [
    {
      header: 'Plan',
      cell: (line) =>
        line.plan ? (
          <span className="mono">{line.plan}</span>
        ) : (
          <span className="badges">
            <Badge tone="yellow" title="The issue named a plan the catalog does not have">
              Not matched
            </Badge>
            <span className="small">{line.unmatched}</span>
          </span>
        ),
    },
    { header: 'Quantity', cell: (line) => line.quantity, className: 'num' },
    {
      header: 'Metro',
      cell: (line) =>
        line.metro ? (
          <>
            {metroName(line.metro) ?? line.metro} <span className="muted">({line.metro})</span>
          </>
        ) : (
          <span className="muted">—</span>
        ),
    },
    {
      header: 'Operating system',
      cell: (line) => {
        if (!line.operating_system) return <span className="muted">—</span>;
        const os = osName(line.operating_system);
        return (
          <>
            {os?.name ?? line.operating_system}
            {os && os.status !== 'supported' ? (
              <>
                {' '}
                <Badge tone={os.status === 'end_of_life' ? 'red' : 'yellow'}>
                  {os.status === 'end_of_life' ? 'end of life' : 'deprecated'}
                </Badge>
              </>
            ) : null}
          </>
        );
      },
    },
    { header: 'Per month', cell: (line) => formatCents(line.monthly_cents), className: 'num' },
  ];
  return (
    <DataTable
      label="Resources"
      columns={columns}
      rows={request.resources.map((line, index) => ({ ...line, index }))}
      rowKey={(line) => String(line.index)}
      isLoading={false}
      empty={<EmptyState icon="server" title="No resources listed" />}
    />
  );
}

function DecisionBanner({ request }: { request: Request }) {
  const lastNote = request.timeline.findLast((event) => event.to_state === request.state)?.note;
  switch (request.state) {
    case 'approved':
      return (
        <Banner
          tone="success"
          title="Approved"
          actions={
            request.grant_id ? (
              <ButtonLink to={`/grants/${request.grant_id}`} size="sm" variant="primary">
                View the grant
              </ButtonLink>
            ) : null
          }
        >
          {request.decision_reason ?? 'A grant was made with the approved terms.'}
        </Banner>
      );
    case 'declined':
      return (
        <Banner tone="error" title="Declined">
          <span className="pre-line">{request.decision_reason ?? lastNote ?? 'The reviewers declined the request.'}</span>
        </Banner>
      );
    case 'withdrawn':
      return (
        <Banner tone="info" title="Withdrawn">
          {lastNote ?? 'The applicant withdrew the request.'}
        </Banner>
      );
    case 'changes_requested':
      return (
        <Banner tone="warning" title="Changes requested">
          <span className="pre-line">{lastNote ?? 'The reviewers asked for changes.'}</span>
        </Banner>
      );
    case 'needs_info':
      return (
        <Banner tone="warning" title="Needs information">
          {request.missing.length ? (
            <ul className="plain-list">
              {request.missing.map((missing) => (
                <li key={missing}>{missing}</li>
              ))}
            </ul>
          ) : (
            'The request is missing required answers.'
          )}
        </Banner>
      );
    default:
      return null;
  }
}

function waitingPhrase(request: Request): string {
  const days = request.waiting_days;
  if (request.decided_at) return days === 0 ? 'decided the same day' : `decided after ${days} day${days === 1 ? '' : 's'}`;
  return days === 0 ? 'submitted today' : `waiting ${days} day${days === 1 ? '' : 's'}`;
}

/** One request: what was asked, its checks and cost, the conversation, and the actions the viewer may take. */
export function RequestPage() {
  const { id = '' } = useParams();
  const { client, isStaff, isAdmin, user } = useSession();
  const toast = useToast();
  const isReviewer = Boolean(user?.roles.includes('reviewer') || isAdmin);
  const path = { params: { path: { id } } };
  const resource = useResource(`request:${id}`, () => unwrap(client.GET('/api/v1/requests/{id}', path)));
  const request = resource.data;
  const projectId = request?.project?.id ?? '';
  const project = useResource(`request-project:${projectId}`, async () =>
    projectId ? unwrap(client.GET('/api/v1/projects/{project}', { params: { path: { project: projectId } } })) : null,
  );
  const evidence = useResource(`evidence:${id}:${request?.state ?? ''}`, async () =>
    isStaff && request ? unwrap(client.GET('/api/v1/requests/{id}/evidence', path)) : undefined,
  );
  const votes = useResource(`votes:${id}`, async () => (isStaff ? unwrap(client.GET('/api/v1/requests/{id}/votes', path)) : undefined));
  const catalog = useResource('catalog', () => unwrap(client.GET('/api/v1/catalog')));
  const [dialog, setDialog] = useState<'approve' | 'decline' | 'changes' | 'withdraw' | null>(null);

  const replace = (next: Request) => resource.setData(() => next);
  const submit = useAction(async () => {
    replace(await unwrap(client.POST('/api/v1/requests/{id}/submit', path)));
    toast.success('Request submitted.');
  });
  const startReview = useAction(async () => {
    replace(await unwrap(client.POST('/api/v1/requests/{id}/review', path)));
    toast.success('Review started: the applicant sees the request is in review.');
  });

  if (resource.isLoading && !request) return <PageLoading label="Loading request…" />;
  if (resource.error instanceof ApiError && resource.error.status === 404) {
    return (
      <EmptyState
        icon="inbox"
        title="Request not found"
        actions={
          <ButtonLink to="/requests" variant="primary">
            Back to requests
          </ButtonLink>
        }
      >
        It does not exist, or it belongs to a project you are not a member of.
      </EmptyState>
    );
  }
  if (!request) return <ErrorBanner error={resource.error} onRetry={resource.reload} />;

  const myRole = project.data?.my_role ?? null;
  // Applicant actions are for the project's owners; staff review rather than change a request.
  const canChange = myRole === 'owner';
  const isMember = myRole !== null;
  const canDecide = isReviewer && !isMember;
  // A GitHub request stays project-less until its author claims it; only then can it become a grant.
  const canApprove = canDecide && request.project !== null;
  const state = request.state;
  const currency = evidence.data?.budget.currency ?? 'USD';
  const actions = (
    <>
      {canChange && EDITABLE_STATES.includes(state) ? (
        <ButtonLink to={`/requests/${request.id}/edit`}>
          <Icon name="pen" size={14} />
          Edit
        </ButtonLink>
      ) : null}
      {canChange && EDITABLE_STATES.includes(state) ? (
        <Button variant="primary" onClick={() => void submit.run(undefined)} isLoading={submit.isRunning}>
          {state === 'draft' ? 'Submit request' : 'Submit again'}
        </Button>
      ) : null}
      {canChange && OPEN_STATES.includes(state) ? (
        <Button variant="danger" onClick={() => setDialog('withdraw')}>
          Withdraw
        </Button>
      ) : null}
      {canDecide && state === 'submitted' ? (
        <Button onClick={() => void startReview.run(undefined)} isLoading={startReview.isRunning}>
          Start review
        </Button>
      ) : null}
      {canDecide && DECIDABLE_STATES.includes(state) ? <Button onClick={() => setDialog('changes')}>Request changes</Button> : null}
      {canDecide && ['needs_info', 'submitted', 'in_review', 'changes_requested'].includes(state) ? (
        <Button variant="danger" onClick={() => setDialog('decline')}>
          Decline
        </Button>
      ) : null}
      {canApprove && DECIDABLE_STATES.includes(state) ? (
        <Button variant="primary" onClick={() => setDialog('approve')}>
          <Icon name="check" size={14} />
          Approve…
        </Button>
      ) : null}
    </>
  );

  return (
    <>
      <header className="page-header">
        <div>
          <nav className="breadcrumbs" aria-label="Breadcrumb">
            <ol>
              <li>{isStaff ? <Link to="/review">Review queue</Link> : <Link to="/requests">Requests</Link>}</li>
            </ol>
          </nav>
          <h1>
            <span className="muted">#{request.number}</span> {request.title}
          </h1>
          <div className="meta-row">
            <RequestStateBadge state={state} />
            <SourceBadge request={request} />
            {request.kind === 'extension' ? <Badge tone="blue">Extension</Badge> : null}
            <span>
              <Icon name="layers" size={14} />
              {request.program.name}
            </span>
            {request.project ? (
              <Link to={`/projects/${request.project.slug}`}>
                <Icon name="projects" size={14} />
                {request.project.name}
              </Link>
            ) : (
              <Badge tone="yellow" title="Opened on GitHub by someone without a Surplus project yet">
                No project linked
              </Badge>
            )}
            {request.purpose ? <span>{purposeLabel(request.purpose)}</span> : null}
            {request.submitted_at ? (
              <span>
                <Icon name="clock" size={14} />
                {waitingPhrase(request)}
                {request.is_overdue ? (
                  <Badge tone="red" title="Waiting longer than the program’s review-time target">
                    Overdue
                  </Badge>
                ) : null}
              </span>
            ) : null}
          </div>
        </div>
        <div className="page-header-actions">{actions}</div>
      </header>
      <ErrorBanner error={submit.error ?? startReview.error} />
      {isReviewer && isMember && DECIDABLE_STATES.includes(state) ? (
        <div className="page-banner">
          <Banner tone="info">You are a member of this project, so another reviewer decides on it.</Banner>
        </div>
      ) : null}
      {isStaff && !request.project && OPEN_STATES.includes(state) ? (
        <div className="page-banner">
          <Banner tone="info" title="No project linked yet">
            {request.github_author ? `@${request.github_author} opened this on GitHub without a Surplus project. ` : ''}
            It can be approved once its author signs in with GitHub and claims it (registers or links the project). You can comment, vote or
            decline meanwhile.
          </Banner>
        </div>
      ) : null}
      <div className="page-banner">
        <DecisionBanner request={request} />
      </div>

      <div className="grid-2">
        <div className="stack-lg">
          <Card title="What they will do">
            {request.description.trim() ? <Markdown html={request.description_html} /> : <p className="muted">No description yet.</p>}
            <dl className="dl dl-grid">
              <div>
                <dt>Purpose</dt>
                <dd>{purposeLabel(request.purpose)}</dd>
              </div>
              <div>
                <dt>Duration</dt>
                <dd>
                  {request.duration === 'ongoing'
                    ? `Ongoing${request.review_on ? `, review on ${formatDay(request.review_on)}` : ''}`
                    : request.end_on
                      ? `Until ${formatDay(request.end_on)}`
                      : 'Fixed, no end date yet'}
                </dd>
              </div>
              <div>
                <dt>Wished start</dt>
                <dd>{request.start_on ? formatDay(request.start_on) : 'As soon as approved'}</dd>
              </div>
              <div>
                <dt>Acknowledges the sponsor</dt>
                <dd>{request.acknowledges_sponsor ? 'Yes' : 'No'}</dd>
              </div>
              <div className="dl-wide">
                <dt>Results they will publish</dt>
                <dd className="pre-line">{request.publish_results || <span className="muted">—</span>}</dd>
              </div>
              {request.source === 'github' ? (
                <div className="dl-wide">
                  <dt>From the GitHub issue</dt>
                  <dd>
                    {[request.contact.name, request.contact.email, request.contact.organization].filter(Boolean).join(' · ') || '—'}
                    {request.github_author ? <span className="muted"> · opened by @{request.github_author}</span> : null}
                    {request.project_urls.length ? (
                      <ul className="plain-list">
                        {request.project_urls.map((url) => (
                          <li key={url}>
                            <a href={url} target="_blank" rel="noreferrer">
                              {url}
                            </a>
                          </li>
                        ))}
                      </ul>
                    ) : null}
                  </dd>
                </div>
              ) : null}
              {request.progress_report ? (
                <div className="dl-wide">
                  <dt>Progress report</dt>
                  <dd className="pre-line">{request.progress_report}</dd>
                </div>
              ) : null}
            </dl>
          </Card>
          <Card title="Resources" isFlush>
            <ResourcesTable request={request} catalog={catalog.data} />
          </Card>
          {isStaff ? (
            <VotesCard
              requestId={request.id}
              votes={votes.data}
              canVote={canDecide && OPEN_STATES.includes(state)}
              onVoted={(list) => {
                votes.setData(() => list);
                evidence.reload();
                toast.success('Vote recorded.');
              }}
            />
          ) : null}
          <RequestComments requestId={request.id} />
        </div>

        <div className="stack-lg">
          <Card title="Estimate">
            <div className="estimate-total">
              <strong data-testid="request-estimate">{formatCents(request.monthly_estimate_cents, currency)}</strong>
              <span className="muted">per month</span>
            </div>
            <p className="small muted" style={{ margin: '4px 0 0' }}>
              ≈ {formatCents(request.monthly_estimate_cents * 12, currency)} a year ·{' '}
              {request.resources.reduce((sum, line) => sum + line.quantity, 0)} servers
            </p>
          </Card>
          <Card title="Eligibility" description="Checked automatically; applicants and reviewers see the same.">
            {request.eligibility.length ? (
              <ul className="checks">
                {request.eligibility.map((check) => (
                  <CheckRow key={check.check} check={check} />
                ))}
              </ul>
            ) : (
              <p className="muted">No checks apply.</p>
            )}
          </Card>
          {isStaff && evidence.data ? (
            <EvidenceCard evidence={evidence.data} request={request} project={project.data ?? null} isOpen={OPEN_STATES.includes(state)} />
          ) : null}
          {isStaff && evidence.error ? (
            <ErrorBanner error={evidence.error} title="The evidence could not be loaded" onRetry={evidence.reload} />
          ) : null}
          <Card title="Timeline">
            <Timeline events={request.timeline} />
          </Card>
        </div>
      </div>

      <ApproveDialog
        isOpen={dialog === 'approve'}
        onClose={() => setDialog(null)}
        request={request}
        evidence={evidence.data}
        catalog={catalog.data}
        onApproved={(approval) => {
          replace(approval.request);
          setDialog(null);
          toast.success(`Approved: a grant of ${formatCents(approval.grant.monthly_credit_cents, approval.grant.currency)} a month.`);
        }}
      />
      <DeclineDialog
        isOpen={dialog === 'decline'}
        onClose={() => setDialog(null)}
        request={request}
        onDeclined={(declined) => {
          replace(declined);
          setDialog(null);
          toast.success(`Request #${declined.number} declined.`);
        }}
      />
      <ReasonDialog
        isOpen={dialog === 'changes'}
        title={`Request changes to #${request.number}`}
        label="What should change"
        hint="The applicant sees this, edits the request and submits it again."
        confirmLabel="Request changes"
        isRequired
        onClose={() => setDialog(null)}
        onConfirm={async (reason) => {
          replace(await unwrap(client.POST('/api/v1/requests/{id}/request-changes', { ...path, body: { reason } })));
          setDialog(null);
          toast.success('Changes requested.');
        }}
      />
      <ReasonDialog
        isOpen={dialog === 'withdraw'}
        title={`Withdraw request #${request.number}?`}
        label="Reason"
        hint="Reviewers see it on the timeline. A withdrawn request cannot be reopened; you can ask again with a new one."
        confirmLabel="Withdraw request"
        isRequired={false}
        isDanger
        onClose={() => setDialog(null)}
        onConfirm={async (reason) => {
          replace(await unwrap(client.POST('/api/v1/requests/{id}/withdraw', { ...path, body: reason ? { reason } : {} })));
          setDialog(null);
          toast.success('Request withdrawn.');
        }}
      />
    </>
  );
}
