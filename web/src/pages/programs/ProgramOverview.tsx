import { unwrap } from '@surplus/api-client';
import { Link } from 'react-router';
import { ErrorBanner } from '../../components/Banner.tsx';
import { BudgetDonut } from '../../components/BudgetChart.tsx';
import { Card } from '../../components/Card.tsx';
import { Skeleton } from '../../components/Loading.tsx';
import { Markdown } from '../../components/Markdown.tsx';
import { formatCents } from '../../components/money.ts';
import { formatDay } from '../../components/time.ts';
import { useResource } from '../../hooks/use-resource.ts';
import { useSession } from '../../session.tsx';
import { purposeLabel } from '../requests/labels.ts';
import { MONTHS } from './ProgramForm.tsx';
import { useProgram } from './ProgramLayout.tsx';

function Stat({ label, value, sub, to }: { label: string; value: React.ReactNode; sub?: React.ReactNode; to?: string }) {
  return (
    <div className="stat">
      <div className="stat-label">{label}</div>
      <div className="stat-value">{to ? <Link to={to}>{value}</Link> : value}</div>
      {sub ? <div className="stat-sub">{sub}</div> : null}
    </div>
  );
}

export function ProgramOverview() {
  const { program } = useProgram();
  const { client } = useSession();
  const path = { params: { path: { program: program.id } } };
  const budget = useResource(`budget:${program.id}`, () => unwrap(client.GET('/api/v1/programs/{program}/budget', path)));
  const activity = useResource(`program-activity:${program.id}`, async () => {
    const [queue, grants] = await Promise.all([
      unwrap(client.GET('/api/v1/review/queue', { params: { query: { program: program.id, limit: 200 } } })),
      unwrap(client.GET('/api/v1/grants', { params: { query: { program: program.id, state: 'active,expiring', limit: 200 } } })),
    ]);
    return {
      waiting: queue.items.length,
      isMoreWaiting: queue.next_cursor !== null,
      overdue: queue.items.filter((item) => item.is_overdue).length,
      oldestDays: Math.max(0, ...queue.items.map((item) => item.waiting_days)),
      grants: grants.items.length,
      expiring: grants.items.filter((grant) => grant.state === 'expiring').length,
      monthlyCents: grants.items.reduce((sum, grant) => sum + grant.monthly_credit_cents, 0),
    };
  });
  const policy = program.policy;
  const a = activity.data;

  return (
    <div className="grid-2">
      <div className="stack-lg">
        <Card
          title="Budget"
          description={
            budget.data
              ? `Fiscal year ${formatDay(budget.data.fiscal_year.starts_on)} – ${formatDay(budget.data.fiscal_year.ends_on)}. Committed is what active grants may still spend until it ends.`
              : undefined
          }
        >
          {budget.isLoading && !budget.data ? <Skeleton height={160} width={160} /> : null}
          <ErrorBanner error={budget.error} onRetry={budget.reload} />
          {budget.data ? <BudgetDonut budget={budget.data} /> : null}
        </Card>
        <Card title="Activity">
          {a ? (
            <div className="stats">
              <Stat
                label="Waiting for review"
                value={`${a.waiting}${a.isMoreWaiting ? '+' : ''}`}
                sub={a.waiting ? `oldest ${a.oldestDays} day${a.oldestDays === 1 ? '' : 's'}` : 'nothing waiting'}
                to={`/review?program=${program.slug}`}
              />
              <Stat
                label="Overdue"
                value={<span className={a.overdue ? 'text-danger' : undefined}>{a.overdue}</span>}
                sub={`target ${policy.review_target_days} day${policy.review_target_days === 1 ? '' : 's'}`}
              />
              <Stat label="Current grants" value={a.grants} sub={a.expiring ? `${a.expiring} expiring` : 'none expiring'} />
              <Stat
                label="Granted per month"
                value={formatCents(a.monthlyCents, program.currency)}
                sub="monthly credit of current grants"
              />
            </div>
          ) : (
            <Skeleton width="70%" />
          )}
          <ErrorBanner error={activity.error} onRetry={activity.reload} />
        </Card>
        {program.description.trim() ? (
          <Card title="About">
            <Markdown html={program.description_html} />
          </Card>
        ) : null}
      </div>
      <Card title="Policy at a glance" description={<Link to="policy">Full policy</Link>}>
        <dl className="dl dl-compact">
          <div>
            <dt>Eligibility</dt>
            <dd>
              {[
                policy.eligibility.require_osi_license ? 'OSI-approved licence' : null,
                policy.eligibility.require_public_repository ? 'public repository' : null,
                policy.eligibility.min_maintainers > 1 ? `${policy.eligibility.min_maintainers}+ maintainers` : null,
                policy.eligibility.foundations.length ? `member of ${policy.eligibility.foundations.join(' or ')}` : null,
              ]
                .filter(Boolean)
                .join(', ') || 'Open to every project'}
            </dd>
          </div>
          <div>
            <dt>Decisions</dt>
            <dd>{policy.approvals_required >= 2 ? 'Two-vote rule: two +1 and no −1' : 'One reviewer decides'}</dd>
          </div>
          <div>
            <dt>Auto-approval</dt>
            <dd>
              {policy.auto_approval.is_enabled
                ? `Up to ${formatCents(policy.auto_approval.max_monthly_estimate_cents, program.currency)}/mo${
                    policy.auto_approval.purposes.length
                      ? ` for ${policy.auto_approval.purposes.map((p) => purposeLabel(p)).join(', ')}`
                      : ''
                  }${policy.auto_approval.requires_good_standing ? ', good standing' : ''}`
                : 'Off'}
            </dd>
          </div>
          <div>
            <dt>Grants</dt>
            <dd>
              {policy.default_grant_days} days by default; {policy.min_notice_days} days notice to end early
            </dd>
          </div>
          <div>
            <dt>Fiscal year</dt>
            <dd>Starts in {MONTHS[program.fiscal_year_start_month - 1]}</dd>
          </div>
          <div>
            <dt>Intake</dt>
            <dd>Web form{program.github_repository ? `, GitHub issues in ${program.github_repository}` : ''}</dd>
          </div>
        </dl>
      </Card>
    </div>
  );
}
