import { ApiError, type Schemas, unwrap } from '@surplus/api-client';
import { type FormEvent, useEffect, useState } from 'react';
import { Link } from 'react-router';
import { Avatar } from '../../components/Avatar.tsx';
import { OsiBadge } from '../../components/Badge.tsx';
import { Banner, ErrorBanner } from '../../components/Banner.tsx';
import { BudgetBar } from '../../components/BudgetChart.tsx';
import { Button } from '../../components/Button.tsx';
import { Card } from '../../components/Card.tsx';
import { Dialog } from '../../components/Dialog.tsx';
import { Checkbox, Field, SelectField, TextAreaField, TextField } from '../../components/Field.tsx';
import { Icon } from '../../components/Icon.tsx';
import { centsFromInput, formatCents, inputFromCents } from '../../components/money.ts';
import { Time } from '../../components/Time.tsx';
import { formatDay } from '../../components/time.ts';
import { useAction } from '../../hooks/use-action.ts';
import { useSession } from '../../session.tsx';
import { REQUEST_STATES, type RequestState, RUBRIC } from './labels.ts';
import { GrantStateBadge, RequestStateBadge, VoteTally } from './RequestBadges.tsx';

type Evidence = Schemas['ReviewEvidence'];
type Request = Schemas['RequestDetail'];
type Project = Schemas['Project'];
type VoteList = Schemas['VoteList'];

/** What a reviewer weighs besides the request: the money, the project's history, its licence and repository. */
export function EvidenceCard({
  evidence,
  request,
  project,
  isOpen,
}: {
  evidence: Evidence;
  request: Request;
  project: Project | null;
  /** Still to be decided: show what approving would add to the budget. */
  isOpen: boolean;
}) {
  const { budget } = evidence;
  return (
    <Card title="Evidence" description="For staff: what approving would cost and what the project did before.">
      <div className="stack">
        <section aria-labelledby="evidence-budget">
          <h3 id="evidence-budget" className="section-title">
            Budget
          </h3>
          <BudgetBar
            budget={budget}
            addingCents={isOpen ? Math.max(evidence.needed_cents, 0) : 0}
            label={isOpen ? 'Program budget with this request' : 'Program budget'}
          />
          <dl className="dl dl-compact">
            {isOpen ? (
              <div>
                <dt>Approving commits</dt>
                <dd>{formatCents(evidence.needed_cents, budget.currency)}</dd>
              </div>
            ) : null}
            <div>
              <dt>Remaining now</dt>
              <dd>{formatCents(budget.remaining_cents, budget.currency)}</dd>
            </div>
            {isOpen ? (
              <div>
                <dt>Remaining after</dt>
                <dd className={evidence.remaining_after_cents < 0 ? 'text-danger' : undefined}>
                  {formatCents(evidence.remaining_after_cents, budget.currency)}
                </dd>
              </div>
            ) : null}
          </dl>
          {isOpen && evidence.needs_override ? (
            <Banner tone="warning" title="Over the remaining budget">
              Approving needs an admin and a reason (a budget override).
            </Banner>
          ) : null}
          <p className="small muted" style={{ margin: '6px 0 0' }}>
            Fiscal year {formatDay(budget.fiscal_year.starts_on)} – {formatDay(budget.fiscal_year.ends_on)} ·{' '}
            {formatCents(request.monthly_estimate_cents, budget.currency)} a month requested
          </p>
        </section>
        {project ? (
          <section aria-labelledby="evidence-project">
            <h3 id="evidence-project" className="section-title">
              Project
            </h3>
            <dl className="dl dl-compact">
              <div>
                <dt>Licence</dt>
                <dd className="badges">
                  <span className="mono">{project.license.expression}</span>
                  <OsiBadge isApproved={project.license.is_osi_approved} />
                </dd>
              </div>
              <div>
                <dt>Repository</dt>
                <dd>
                  <a href={project.repository.url} target="_blank" rel="noreferrer">
                    {project.repository.host}/{project.repository.owner}/{project.repository.name}
                  </a>
                </dd>
              </div>
              {project.foundation ? (
                <div>
                  <dt>Foundation</dt>
                  <dd>{project.foundation}</dd>
                </div>
              ) : null}
              <div>
                <dt>Maintainers</dt>
                <dd>{project.member_count}</dd>
              </div>
            </dl>
          </section>
        ) : null}
        {evidence.dependency ? <DependencySection dependency={evidence.dependency} /> : null}
        <section aria-labelledby="evidence-history">
          <h3 id="evidence-history" className="section-title">
            History
          </h3>
          {evidence.past_grants.length === 0 && evidence.past_requests.length === 0 ? (
            <p className="small muted">No earlier requests or grants.</p>
          ) : (
            <ul className="plain-list">
              {evidence.past_grants.map((grant) => (
                <li key={grant.id}>
                  <Link to={`/grants/${grant.id}`}>Grant from {grant.program.name}</Link> <GrantStateBadge state={grant.state} />
                  <div className="small muted">
                    {formatCents(grant.monthly_credit_cents, grant.currency)}/mo · {formatDay(grant.starts_on)} –{' '}
                    {formatDay(grant.last_day)}
                  </div>
                </li>
              ))}
              {evidence.past_requests.map((past) => (
                <li key={past.id}>
                  <Link to={`/requests/${past.id}`}>
                    Request #{past.number}
                    {past.kind === 'extension' ? ' (extension)' : ''}
                  </Link>{' '}
                  {past.state in REQUEST_STATES ? <RequestStateBadge state={past.state as RequestState} /> : past.state}
                  {past.decided_at ? (
                    <div className="small muted">
                      decided <Time iso={past.decided_at} />
                    </div>
                  ) : null}
                </li>
              ))}
            </ul>
          )}
          {evidence.stories.length > 0 ? (
            <>
              <h3 className="section-title">Published stories</h3>
              <ul className="plain-list">
                {evidence.stories.map((story) => (
                  <li key={story.id}>
                    {story.title}
                    {story.published_at ? (
                      <span className="small muted">
                        {' '}
                        · <Time iso={story.published_at} />
                      </span>
                    ) : null}
                  </li>
                ))}
              </ul>
            </>
          ) : null}
        </section>
      </div>
    </Card>
  );
}

/** Reviewers' votes with rubric scores, and the signed-in reviewer's own vote. */
export function VotesCard({
  requestId,
  votes,
  canVote,
  onVoted,
}: {
  requestId: string;
  votes: VoteList | undefined;
  canVote: boolean;
  onVoted: (votes: VoteList) => void;
}) {
  const { client, user } = useSession();
  const mine = votes?.items.find((vote) => vote.user.id === user?.id);
  const [choice, setChoice] = useState<1 | -1>(1);
  const [scores, setScores] = useState<Record<string, string>>({});
  const [note, setNote] = useState('');
  useEffect(() => {
    if (!mine) return;
    setChoice(mine.vote < 0 ? -1 : 1);
    setScores(Object.fromEntries(Object.entries(mine.scores).map(([key, value]) => [key, String(value)])));
    setNote(mine.note ?? '');
  }, [mine]);
  const cast = useAction(async () => {
    const chosen = Object.fromEntries(
      Object.entries(scores)
        .filter(([, value]) => value !== '')
        .map(([key, value]) => [key, Number(value)]),
    );
    const list = await unwrap(
      client.POST('/api/v1/requests/{id}/votes', {
        params: { path: { id: requestId } },
        body: { vote: choice, scores: chosen, note: note.trim() || undefined },
      }),
    );
    onVoted(list);
  }, ['vote', 'scores', 'note']);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void cast.run(undefined);
  };

  return (
    <Card
      title="Votes"
      id="votes"
      actions={votes ? <VoteTally votes={votes.tally} /> : null}
      description={
        votes && votes.tally.approvals_required > 1
          ? `This program’s two-vote rule: approving needs ${votes.tally.approvals_required} +1 votes from different reviewers and no −1.`
          : 'Votes advise; a reviewer decides.'
      }
    >
      {votes && votes.items.length > 0 ? (
        <ul className="votes">
          {votes.items.map((vote) => (
            <li key={vote.user.id}>
              <Avatar name={vote.user.name} />
              <div>
                <div className="comment-meta">
                  <span className="cell-title">{vote.user.name}</span>
                  <span className={vote.vote > 0 ? 'vote-chip vote-chip-up' : 'vote-chip vote-chip-down'}>
                    {vote.vote > 0 ? '+1' : '−1'}
                  </span>
                  <Time iso={vote.updated_at} />
                </div>
                {Object.keys(vote.scores).length > 0 ? (
                  <div className="scores">
                    {RUBRIC.filter((criterion) => vote.scores[criterion.value] !== undefined).map((criterion) => (
                      <span key={criterion.value} className="score" title={criterion.hint}>
                        {criterion.label} <strong>{vote.scores[criterion.value]}</strong>/5
                      </span>
                    ))}
                  </div>
                ) : null}
                {vote.note ? <p className="vote-note">{vote.note}</p> : null}
              </div>
            </li>
          ))}
        </ul>
      ) : (
        <p className="muted">No votes yet.</p>
      )}
      {canVote ? (
        <form className="form vote-form" onSubmit={submit} aria-label="Your vote">
          <ErrorBanner error={cast.bannerError} title="The vote was not recorded" />
          <fieldset className="fieldset">
            <legend>{mine ? 'Change your vote' : 'Your vote'}</legend>
            <div className="segmented">
              <button type="button" aria-pressed={choice === 1} onClick={() => setChoice(1)}>
                <Icon name="thumbsUp" size={14} /> +1 approve
              </button>
              <button type="button" aria-pressed={choice === -1} onClick={() => setChoice(-1)}>
                <Icon name="thumbsDown" size={14} /> −1 against
              </button>
            </div>
          </fieldset>
          <div className="rubric">
            {RUBRIC.map((criterion) => (
              <SelectField
                key={criterion.value}
                label={criterion.label}
                isOptional
                hint={criterion.hint}
                value={scores[criterion.value] ?? ''}
                onChange={(event) => setScores((current) => ({ ...current, [criterion.value]: event.target.value }))}
                error={cast.fieldError(`scores.${criterion.value}`)}
              >
                <option value="">—</option>
                {[1, 2, 3, 4, 5].map((score) => (
                  <option key={score} value={score}>
                    {score}
                  </option>
                ))}
              </SelectField>
            ))}
          </div>
          <TextField
            label="Note"
            isOptional
            value={note}
            maxLength={2000}
            onChange={(event) => setNote(event.target.value)}
            error={cast.fieldError('note')}
          />
          <div className="btn-row">
            <Button type="submit" variant="primary" isLoading={cast.isRunning}>
              {mine ? 'Update vote' : 'Cast vote'}
            </Button>
          </div>
        </form>
      ) : null}
    </Card>
  );
}

/**
 * Approve with terms: prefilled from what approving without changes would grant (`proposed_terms`).
 * The override reason appears only when the program is over budget and the reviewer is an admin.
 */
export function ApproveDialog({
  isOpen,
  onClose,
  request,
  evidence,
  catalog,
  onApproved,
}: {
  isOpen: boolean;
  onClose: () => void;
  request: Request;
  evidence: Evidence | undefined;
  catalog: Schemas['Catalog'] | undefined;
  onApproved: (approval: Schemas['Approval']) => void;
}) {
  const { client, isAdmin } = useSession();
  const terms = evidence?.proposed_terms;
  const [credit, setCredit] = useState('');
  const [maxServers, setMaxServers] = useState('');
  const [plans, setPlans] = useState<string[]>([]);
  const [metros, setMetros] = useState<string[]>([]);
  const [startsOn, setStartsOn] = useState('');
  const [lastDay, setLastDay] = useState('');
  const [note, setNote] = useState('');
  const [overrideReason, setOverrideReason] = useState('');
  const [creditError, setCreditError] = useState<string | undefined>(undefined);
  const isOngoing = terms ? terms.review_on !== null && terms.ends_on === null : request.duration === 'ongoing';

  useEffect(() => {
    if (!isOpen || !terms) return;
    setCredit(inputFromCents(terms.monthly_credit_cents));
    setMaxServers(String(terms.max_servers));
    setPlans(terms.allowed_plans);
    setMetros(terms.allowed_metros);
    setStartsOn(terms.starts_on);
    setLastDay((isOngoing ? terms.review_on : terms.ends_on) ?? '');
    setNote('');
    setOverrideReason('');
    setCreditError(undefined);
  }, [isOpen, terms, isOngoing]);

  const approve = useAction(async () => {
    const cents = centsFromInput(credit);
    if (cents === null) {
      setCreditError('Enter an amount in dollars, e.g. 1095 or 1095.50');
      return;
    }
    setCreditError(undefined);
    const approval = await unwrap(
      client.POST('/api/v1/requests/{id}/approve', {
        params: { path: { id: request.id } },
        body: {
          monthly_credit_cents: cents,
          max_servers: Number(maxServers),
          allowed_plans: plans,
          allowed_metros: metros,
          starts_on: startsOn,
          ...(isOngoing ? { review_on: lastDay || null, ends_on: null } : { ends_on: lastDay || null }),
          ...(note.trim() ? { note: note.trim() } : {}),
          ...(overrideReason.trim() ? { override_reason: overrideReason.trim() } : {}),
        },
      }),
    );
    onApproved(approval);
  }, [
    'monthly_credit_cents',
    'max_servers',
    'allowed_plans',
    'allowed_metros',
    'starts_on',
    'ends_on',
    'review_on',
    'override_reason',
    'note',
  ]);
  const toggle = (list: string[], value: string, isOn: boolean) =>
    isOn ? [...new Set([...list, value])] : list.filter((v) => v !== value);
  const needsOverride = evidence?.needs_override ?? false;
  const isBlockedByBudget = needsOverride && !isAdmin;
  const isBlockedByVotes = evidence ? !evidence.votes.meets_vote_rule : false;
  // The server's refusal names what is missing (the amount over, the votes present and needed); it is
  // shown whole even when its field (override_reason) is not on the form.
  const refusal =
    approve.error instanceof ApiError && (approve.error.code === 'ERR_OVER_BUDGET' || approve.error.code === 'ERR_VOTES_NEEDED')
      ? approve.error
      : null;
  const currency = evidence?.budget.currency ?? 'USD';
  const planChoices = catalog ? catalog.plans.filter((p) => p.is_available || plans.includes(p.slug)).map((p) => p.slug) : plans;
  const metroChoices = catalog ? catalog.metros.filter((m) => m.is_available || metros.includes(m.code)) : [];

  return (
    <Dialog
      isOpen={isOpen}
      title={`Approve request #${request.number}`}
      onClose={() => {
        approve.reset();
        onClose();
      }}
      onSubmit={() => void approve.run(undefined)}
      footer={
        <>
          <Button onClick={onClose}>Cancel</Button>
          <Button type="submit" variant="primary" isLoading={approve.isRunning} disabled={!terms || isBlockedByBudget || isBlockedByVotes}>
            Approve and grant
          </Button>
        </>
      }
    >
      {!terms ? <p className="muted">Loading the proposed terms…</p> : null}
      {refusal ? (
        <Banner tone="error" title={refusal.code === 'ERR_OVER_BUDGET' ? 'Over the remaining budget' : 'The two-vote rule is not met'}>
          {refusal.message}
        </Banner>
      ) : (
        <ErrorBanner error={approve.bannerError} title="The request was not approved" />
      )}
      {isBlockedByVotes && evidence ? (
        <Banner tone="warning" title="The two-vote rule is not met">
          Approving needs {evidence.votes.approvals_required} +1 votes and no −1; it has {evidence.votes.up} +1 and {evidence.votes.down}{' '}
          −1.
        </Banner>
      ) : null}
      {evidence ? (
        <div className="terms-budget">
          <BudgetBar budget={evidence.budget} addingCents={Math.max(evidence.needed_cents, 0)} label="Program budget with these terms" />
          <p className="small">
            Commits <strong>{formatCents(evidence.needed_cents, currency)}</strong> of the{' '}
            <strong>{formatCents(evidence.budget.remaining_cents, currency)}</strong> left this fiscal year (at the proposed terms).
          </p>
        </div>
      ) : null}
      {isBlockedByBudget ? (
        <Banner tone="warning" title="Over the remaining budget">
          Only an admin can approve beyond the budget, with a reason. Ask an admin, or lower the terms and ask again.
        </Banner>
      ) : null}
      {terms ? (
        <div className="form">
          <div className="form-row">
            <Field
              label={`Monthly credit cap (${currency})`}
              error={creditError ?? approve.fieldError('monthly_credit_cents')}
              hint={`Requested: ${formatCents(request.monthly_estimate_cents, currency)} a month`}
            >
              {(control) => (
                <div className="input-group">
                  <span className="addon">$</span>
                  <input
                    className="input"
                    inputMode="decimal"
                    {...control}
                    value={credit}
                    onChange={(event) => setCredit(event.target.value)}
                  />
                </div>
              )}
            </Field>
            <TextField
              label="Max servers at once"
              type="number"
              min={1}
              value={maxServers}
              onChange={(event) => setMaxServers(event.target.value)}
              error={approve.fieldError('max_servers')}
            />
          </div>
          <fieldset className="fieldset">
            <legend>Allowed plans</legend>
            <div className="check-grid">
              {planChoices.map((slug) => (
                <Checkbox
                  key={slug}
                  label={<span className="mono">{slug}</span>}
                  checked={plans.includes(slug)}
                  onChange={(event) => setPlans(toggle(plans, slug, event.target.checked))}
                />
              ))}
            </div>
            {approve.fieldError('allowed_plans') ? <div className="field-error">{approve.fieldError('allowed_plans')}</div> : null}
          </fieldset>
          <fieldset className="fieldset">
            <legend>Allowed metros</legend>
            <div className="check-grid">
              {(metroChoices.length ? metroChoices : metros.map((code) => ({ code, name: code }))).map((metro) => (
                <Checkbox
                  key={metro.code}
                  label={`${metro.name} (${metro.code})`}
                  checked={metros.includes(metro.code)}
                  onChange={(event) => setMetros(toggle(metros, metro.code, event.target.checked))}
                />
              ))}
            </div>
            {approve.fieldError('allowed_metros') ? <div className="field-error">{approve.fieldError('allowed_metros')}</div> : null}
          </fieldset>
          <div className="form-row">
            <TextField
              label="Starts"
              type="date"
              value={startsOn}
              onChange={(event) => setStartsOn(event.target.value)}
              error={approve.fieldError('starts_on')}
            />
            <TextField
              label={isOngoing ? 'Review date' : 'Ends'}
              type="date"
              min={startsOn}
              value={lastDay}
              onChange={(event) => setLastDay(event.target.value)}
              error={approve.fieldError(isOngoing ? 'review_on' : 'ends_on')}
              hint={isOngoing ? 'Ongoing grant: it lapses on this day unless extended.' : 'The grant’s last day.'}
            />
          </div>
          <TextField
            label="Note to the applicant"
            isOptional
            value={note}
            onChange={(event) => setNote(event.target.value)}
            error={approve.fieldError('note')}
            hint="Shown on the request’s timeline."
          />
          {needsOverride && isAdmin ? (
            <TextAreaField
              label="Override reason"
              rows={2}
              value={overrideReason}
              onChange={(event) => setOverrideReason(event.target.value)}
              error={approve.fieldError('override_reason')}
              hint="The program is over its remaining budget with these terms. Say why it is worth it; the reason is audited."
            />
          ) : null}
        </div>
      ) : null}
    </Dialog>
  );
}

/** Decline with a standard reason (a template) and, optionally, words of one's own. */
export function DeclineDialog({
  isOpen,
  onClose,
  request,
  onDeclined,
}: {
  isOpen: boolean;
  onClose: () => void;
  request: Request;
  onDeclined: (request: Request) => void;
}) {
  const { client } = useSession();
  const [templates, setTemplates] = useState<Schemas['DeclineTemplateList']['items']>([]);
  const [template, setTemplate] = useState('');
  const [reason, setReason] = useState('');
  const [loadError, setLoadError] = useState<unknown>(undefined);
  useEffect(() => {
    if (!isOpen) return;
    setReason('');
    setTemplate('');
    unwrap(client.GET('/api/v1/review/decline-templates')).then(
      (list) => setTemplates(list.items),
      (failure: unknown) => setLoadError(failure),
    );
  }, [isOpen, client]);
  const chosen = templates.find((t) => t.id === template);
  const decline = useAction(async () => {
    const declined = await unwrap(
      client.POST('/api/v1/requests/{id}/decline', {
        params: { path: { id: request.id } },
        body: { ...(chosen ? { template: chosen.id } : {}), ...(reason.trim() ? { reason: reason.trim() } : {}) },
      }),
    );
    onDeclined(declined);
  }, ['template', 'reason']);
  return (
    <Dialog
      isOpen={isOpen}
      title={`Decline request #${request.number}`}
      onClose={() => {
        decline.reset();
        onClose();
      }}
      onSubmit={() => void decline.run(undefined)}
      footer={
        <>
          <Button onClick={onClose}>Cancel</Button>
          <Button type="submit" variant="danger-solid" isLoading={decline.isRunning} disabled={!chosen && !reason.trim()}>
            Decline request
          </Button>
        </>
      }
    >
      <ErrorBanner error={loadError ?? decline.bannerError} />
      <div className="form">
        <SelectField
          label="Reason"
          value={template}
          onChange={(event) => setTemplate(event.target.value)}
          error={decline.fieldError('template')}
        >
          <option value="">Write my own…</option>
          {templates.map((t) => (
            <option key={t.id} value={t.id}>
              {t.title}
            </option>
          ))}
        </SelectField>
        {chosen ? <blockquote className="template-text">{chosen.text}</blockquote> : null}
        <TextAreaField
          label={chosen ? 'Add to it' : 'Why'}
          isOptional={Boolean(chosen)}
          rows={4}
          value={reason}
          onChange={(event) => setReason(event.target.value)}
          error={decline.fieldError('reason')}
          hint="The applicant sees this, by email and on the request."
        />
      </div>
    </Dialog>
  );
}

/** A dialog with one reason field, for requesting changes and for withdrawing. */
export function ReasonDialog({
  isOpen,
  title,
  label,
  hint,
  confirmLabel,
  isRequired,
  isDanger = false,
  onClose,
  onConfirm,
}: {
  isOpen: boolean;
  title: string;
  label: string;
  hint: string;
  confirmLabel: string;
  isRequired: boolean;
  isDanger?: boolean;
  onClose: () => void;
  onConfirm: (reason: string) => Promise<void>;
}) {
  const [reason, setReason] = useState('');
  useEffect(() => {
    if (isOpen) setReason('');
  }, [isOpen]);
  const confirm = useAction(() => onConfirm(reason.trim()), ['reason']);
  return (
    <Dialog
      isOpen={isOpen}
      title={title}
      onClose={() => {
        confirm.reset();
        onClose();
      }}
      onSubmit={() => void confirm.run(undefined)}
      footer={
        <>
          <Button onClick={onClose}>Cancel</Button>
          <Button
            type="submit"
            variant={isDanger ? 'danger-solid' : 'primary'}
            isLoading={confirm.isRunning}
            disabled={isRequired && !reason.trim()}
          >
            {confirmLabel}
          </Button>
        </>
      }
    >
      <ErrorBanner error={confirm.bannerError} />
      <TextAreaField
        label={label}
        isOptional={!isRequired}
        rows={4}
        value={reason}
        onChange={(event) => setReason(event.target.value)}
        error={confirm.fieldError('reason')}
        hint={hint}
      />
    </Dialog>
  );
}

/** Whether the sponsor's products depend on the project (supply-chain insight), with a link to read more. */
function DependencySection({ dependency }: { dependency: NonNullable<Schemas['ReviewEvidence']['dependency']> }) {
  return (
    <section aria-labelledby="evidence-dependency" data-testid="evidence-dependency">
      <h3 id="evidence-dependency" className="section-title">
        Our products
      </h3>
      {dependency.is_depended_on ? (
        <>
          <p className="small">
            {dependency.products.length === 1 ? '1 product depends' : `${dependency.products.length} products depend`} on this project
            {dependency.paths !== null ? ` through ${dependency.paths.toLocaleString('en-US')} dependency paths` : ''}.
          </p>
          <ul className="plain-list">
            {dependency.products.map((product) => (
              <li key={product.id}>
                <Link to={`/supply-chain/products/${product.slug}`}>{product.name}</Link>
                <span className="small muted">
                  {' '}
                  · {product.packages} {product.packages === 1 ? 'package' : 'packages'}
                  {product.direct > 0 ? `, ${product.direct} direct` : `, from depth ${product.min_depth}`}
                </span>
              </li>
            ))}
          </ul>
          <dl className="dl dl-compact">
            <div>
              <dt>Criticality</dt>
              <dd>{dependency.criticality_score !== null ? dependency.criticality_score.toFixed(2) : 'not imported'}</dd>
            </div>
            {dependency.rank !== null ? (
              <div>
                <dt>Rank</dt>
                <dd>#{dependency.rank} of our upstream projects</dd>
              </div>
            ) : null}
          </dl>
        </>
      ) : (
        <p className="small muted">None of our products’ latest uploads depend on this project’s repository.</p>
      )}
      <p className="small" style={{ margin: '6px 0 0' }}>
        <Link to={dependency.link}>Open in supply-chain insight</Link>
      </p>
    </section>
  );
}
