import { type Schemas, unwrap } from '@surplus/api-client';
import { type Command, InvalidArgumentError } from 'commander';
import { type Context, connect } from '../config.ts';
import { formatCents, formatShare } from '../money.ts';
import { positiveInteger, relativeTime, usageError } from '../output.ts';
import { collectPages, isoDate, stateStyle } from './requests.ts';

type Grant = Schemas['Grant'];
type GrantDetail = Schemas['GrantDetail'];

const GRANT_STATES = ['active', 'expiring', 'expired', 'revoked'];

export function registerGrantCommands(program: Command, ctx: Context) {
  const grants = program.command('grants').description('what approved requests granted: credit, servers, dates');

  grants
    .command('list')
    .description('list grants: your projects’, or every grant for staff; newest first')
    .option('--program <program>', 'only this program (slug or id)')
    .option('--project <project>', 'only this project (slug or id)')
    .option('--state <states>', `only these states, comma-separated: ${GRANT_STATES.join(', ')}`, grantStates)
    .option('--limit <n>', 'show at most this many, following pages as needed', positiveInteger, 50)
    .option('--all', 'every matching grant, however many pages (overrides --limit)')
    .option('--json', 'print { items, next_cursor } with the API’s Grant objects')
    .action(async (options: { program?: string; project?: string; state?: string; limit: number; all?: boolean; json?: boolean }) => {
      const { client } = await connect(ctx);
      const page = await collectPages<Grant>(options.all ? Number.POSITIVE_INFINITY : options.limit, (limit, cursor) =>
        unwrap(
          client.GET('/api/v1/grants', {
            params: { query: { program: options.program, project: options.project, state: options.state, limit, cursor } },
          }),
        ),
      );
      if (options.json) return ctx.out.json(page);
      const { colours } = ctx.out;
      ctx.out.table(
        page.items,
        [
          { header: 'PROJECT', value: (g) => g.project.slug, style: (text) => colours.bold(text) },
          { header: 'PROGRAM', value: (g) => g.program.slug },
          { header: 'STATE', value: (g) => g.state, style: (text) => stateStyle(ctx, text) },
          { header: 'CREDIT/MONTH', value: (g) => formatCents(g.monthly_credit_cents, g.currency) },
          { header: 'SERVERS', value: (g) => `≤ ${g.max_servers}` },
          { header: 'PLANS', value: (g) => g.allowed_plans.join(', ') || 'any' },
          { header: 'METROS', value: (g) => g.allowed_metros.join(', ') || 'any' },
          { header: 'LAST DAY', value: (g) => `${g.last_day}${g.ended_at ? '' : ` (${relativeTime(`${g.last_day}T23:59:59Z`)})`}` },
          { header: 'REQUEST', value: (g) => `#${g.request.number}` },
          { header: 'ID', value: (g) => g.id, style: (text) => colours.dim(text) },
        ],
        'No grants match.',
      );
      if (page.next_cursor) ctx.out.note(`More grants exist; raise --limit (now ${options.limit}) or add --all to see them.`);
    });

  grants
    .command('show')
    .description('show a grant: terms, its share of the budget, extensions and expiry notices')
    .argument('<id>', 'grant id')
    .option('--json', 'print the API’s JSON')
    .action(async (id: string, options: { json?: boolean }) => {
      const { client } = await connect(ctx);
      const grant = await unwrap(client.GET('/api/v1/grants/{id}', { params: { path: { id: grantId(id) } } }));
      if (options.json) return ctx.out.json(grant);
      showGrant(ctx, grant);
    });

  grants
    .command('extend')
    .description('ask for more time (project owners): makes an extension request, reviewed like any request')
    .argument('<id>', 'grant id')
    .option('--report <markdown>', 'what the servers did so far: the progress report reviewers read')
    .option('--results-url <url>', 'where the results are published')
    .option('--end-on <date>', 'new last day of a fixed grant (default: the program’s default length more)', isoDate)
    .option('--review-on <date>', 'new review date of an ongoing grant', isoDate)
    .option('--json', 'print the API’s JSON (the extension request)')
    .action(async (id: string, options: { report?: string; resultsUrl?: string; endOn?: string; reviewOn?: string; json?: boolean }) => {
      if (!options.report?.trim() && !options.resultsUrl) throw usageError('give --report (a progress report), --results-url, or both');
      const { client } = await connect(ctx);
      const extension = await unwrap(
        client.POST('/api/v1/grants/{id}/extend', {
          params: { path: { id: grantId(id) } },
          body: {
            progress_report: options.report ?? '',
            results_url: options.resultsUrl,
            end_on: options.endOn,
            review_on: options.reviewOn,
          },
        }),
      );
      if (options.json) return ctx.out.json(extension);
      ctx.out.line(
        `Extension request #${extension.number} is ${extension.state}; follow it with \`surplus requests show ${extension.id}\`.`,
      );
    });
}

function grantStates(value: string): string {
  const unknown = value.split(',').filter((state) => !GRANT_STATES.includes(state));
  if (unknown.length) throw new InvalidArgumentError(`unknown state ${unknown.join(', ')}; states are ${GRANT_STATES.join(', ')}`);
  return value;
}

function grantId(value: string): string {
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value)) {
    throw usageError(`${value} is not a grant id (a UUID, as in the ID column of \`surplus grants list\`)`);
  }
  return value;
}

/** The grant's terms, as `grants show` and `review approve` print them. */
export function showGrant(ctx: Context, grant: GrantDetail) {
  const money = (cents: number) => formatCents(cents, grant.currency);
  const { figures } = grant;
  const dates = grant.ends_on
    ? `${grant.starts_on} – ${grant.ends_on}`
    : `${grant.starts_on}, ongoing; review on ${grant.review_on ?? grant.last_day}`;
  const left = grant.ended_at
    ? `ended ${relativeTime(grant.ended_at)}${grant.end_reason ? `: ${grant.end_reason}` : ''}`
    : figures.days_left >= 0
      ? `${figures.days_left} days left`
      : `${-figures.days_left} days past its last day`;
  ctx.out.fields([
    ['Grant', `${grant.project.name} (${grant.project.slug}) in ${grant.program.name}`],
    ['State', stateStyle(ctx, grant.state)],
    ['Credit', `${money(grant.monthly_credit_cents)} per month`],
    ['Servers', `at most ${grant.max_servers} at once`],
    ['Plans', grant.allowed_plans.join(', ') || 'any'],
    ['Metros', grant.allowed_metros.join(', ') || 'any'],
    ['Dates', dates],
    ['Last day', `${grant.last_day} (${left})`],
    [
      'This year',
      `${money(figures.committed_cents)} committed, ${money(figures.spent_cents)} spent (fiscal year ${figures.fiscal_year.starts_on} – ${figures.fiscal_year.ends_on})`,
    ],
    ['Override', grant.override_reason],
    ['Request', `#${grant.request.number} (${grant.request.id})`],
    ['Created', `${relativeTime(grant.created_at)} (${grant.created_at})`],
    ['Id', grant.id],
  ]);
  const budget = grant.program_budget;
  if (budget) {
    ctx.out.line();
    ctx.out.line(
      `Program budget: ${formatCents(budget.remaining_cents, budget.currency)} of ${formatCents(budget.budget_cents, budget.currency)} remaining (${formatShare(budget.remaining_cents, budget.budget_cents)})`,
    );
  }
  if (grant.extensions.length) {
    ctx.out.line();
    ctx.out.line(ctx.out.colours.bold('Extensions'));
    ctx.out.table(
      grant.extensions,
      [
        { header: 'REQUEST', value: (e) => `#${e.number}` },
        { header: 'STATE', value: (e) => e.state, style: (text) => stateStyle(ctx, text) },
        { header: 'ASKED', value: (e) => relativeTime(e.created_at) },
        { header: 'DECIDED', value: (e) => relativeTime(e.decided_at) },
        { header: 'ID', value: (e) => e.id, style: (text) => ctx.out.colours.dim(text) },
      ],
      '',
    );
  }
  if (grant.notices.length) {
    ctx.out.line();
    ctx.out.line(`Expiry notices sent: ${grant.notices.map((n) => `${n.days_before} days before (${n.sent_at.slice(0, 10)})`).join(', ')}`);
  }
}
