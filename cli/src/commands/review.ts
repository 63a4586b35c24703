import { type Schemas, unwrap } from '@surplus/api-client';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { type Context, connect } from '../config.ts';
import { formatCents } from '../money.ts';
import { positiveInteger, relativeTime, usageError } from '../output.ts';
import { showGrant } from './grants.ts';
import { centsAmount } from './programs.ts';
import {
  collectPages,
  isoDate,
  type Page,
  PURPOSES,
  requestId,
  requestTable,
  SORTS,
  showEligibility,
  stateList,
  stateStyle,
} from './requests.ts';

type QueueItem = Schemas['ReviewQueueItem'];
type VoteTally = Schemas['VoteTally'];
type Criterion = Schemas['RubricCriterion'];

const CRITERIA: Criterion[] = ['impact', 'need', 'readiness', 'value'];
const DECLINE_TEMPLATES = ['not_open_source', 'out_of_scope', 'insufficient_detail', 'over_budget', 'duplicate'] as const;
const PAGE_LIMIT_MAX = 200;

export function registerReviewCommands(program: Command, ctx: Context) {
  const review = program.command('review').description('work the review queue: evidence, votes, decisions (staff)');

  review
    .command('list')
    .description('the review queue: open requests (needs_info, submitted, in_review, changes_requested), oldest first')
    .option('--program <program>', 'only this program (slug or id)')
    .option('--state <states>', 'only these states, comma-separated (default: the open ones)', stateList)
    .addOption(new Option('--purpose <purpose>', 'only this purpose').choices(PURPOSES))
    .addOption(new Option('--source <source>', 'only requests from the web form or GitHub issues').choices(['web', 'github']))
    .option('--min-age-days <days>', 'only requests submitted at least this many days ago', positiveInteger)
    .option('--min-cost-cents <cents>', 'only requests estimated at least this much per month', centsAmount)
    .option('--max-cost-cents <cents>', 'only requests estimated at most this much per month', centsAmount)
    .addOption(new Option('--sort <order>', 'order').choices(SORTS).default('oldest'))
    .option('--overdue', 'only requests waiting longer than their program’s review target')
    .option('--limit <n>', 'show at most this many, following pages as needed', positiveInteger, 50)
    .option('--all', 'every matching request, however many pages (overrides --limit)')
    .option(
      '--json',
      'print { items, next_cursor }: queue items (the request’s listed fields, server_count, unmatched_lines and the vote tally in `votes`; `requests show` has the whole request)',
    )
    .action(async (options: QueueOptions) => {
      const { client } = await connect(ctx);
      const wanted = options.all ? Number.POSITIVE_INFINITY : options.limit;
      const fetchPage = (limit: number, cursor?: string) =>
        unwrap(
          client.GET('/api/v1/review/queue', {
            params: {
              query: {
                program: options.program,
                state: options.state,
                purpose: options.purpose,
                source: options.source,
                min_age_days: options.minAgeDays,
                min_cost_cents: options.minCostCents,
                max_cost_cents: options.maxCostCents,
                sort: options.sort,
                limit,
                cursor,
              },
            },
          }),
        );
      const page = options.overdue ? await overduePages(wanted, fetchPage) : await collectPages<QueueItem>(wanted, fetchPage);
      if (options.json) return ctx.out.json(page);
      requestTable(ctx, page.items, options.overdue ? 'Nothing is overdue.' : 'The queue is empty.', [
        { header: 'VOTES', value: (item) => tallyText(item.votes) },
      ]);
      if (page.next_cursor) ctx.out.note(`More requests wait; raise --limit (now ${options.limit}) or add --all to see them.`);
    });

  review
    .command('show')
    .description('the evidence for one request: checks, cost against the budget, proposed terms, votes, history')
    .argument('<id>', 'request id')
    .option('--json', 'print the API’s JSON (the evidence)')
    .action(async (id: string, options: { json?: boolean }) => {
      const { client } = await connect(ctx);
      const path = { id: requestId(id) };
      const evidence = await unwrap(client.GET('/api/v1/requests/{id}/evidence', { params: { path } }));
      if (options.json) return ctx.out.json(evidence);
      // The evidence leaves out the request itself; people want to see which one they are weighing.
      const request = await unwrap(client.GET('/api/v1/requests/{id}', { params: { path } }));
      const { budget, proposed_terms: terms } = evidence;
      const money = (cents: number) => formatCents(cents, budget.currency);
      const { colours } = ctx.out;
      ctx.out.fields([
        ['Request', `#${request.number} ${request.title}`],
        ['State', stateStyle(ctx, request.state)],
        ['Program', request.program.slug],
        ['Estimate', `${formatCents(request.monthly_estimate_cents)} per month`],
        ['Waiting', request.submitted_at ? `${request.waiting_days} days${request.is_overdue ? ' — over the review target' : ''}` : null],
      ]);
      ctx.out.line();
      showEligibility(ctx, evidence.eligibility);
      ctx.out.line();
      ctx.out.line(colours.bold('Proposed terms'));
      ctx.out.fields([
        ['Credit', `${money(terms.monthly_credit_cents)} per month`],
        ['Servers', `at most ${terms.max_servers} at once`],
        ['Plans', terms.allowed_plans.join(', ') || 'any'],
        ['Metros', terms.allowed_metros.join(', ') || 'any'],
        [
          'Dates',
          terms.ends_on ? `${terms.starts_on} – ${terms.ends_on}` : `${terms.starts_on}, ongoing; review on ${terms.review_on ?? '-'}`,
        ],
      ]);
      ctx.out.line();
      ctx.out.line(colours.bold('Budget'));
      ctx.out.fields([
        ['Fiscal year', `${budget.fiscal_year.starts_on} – ${budget.fiscal_year.ends_on}`],
        ['Remaining', `${money(budget.remaining_cents)} of ${money(budget.budget_cents)}`],
        ['This grant', `${money(evidence.needed_cents)} this fiscal year`],
        [
          'After it',
          evidence.needs_override
            ? colours.red(`${money(evidence.remaining_after_cents)}: approving needs an admin with --override-reason`)
            : money(evidence.remaining_after_cents),
        ],
      ]);
      ctx.out.line();
      ctx.out.fields([['Votes', tallyText(evidence.votes)]]);
      ctx.out.line();
      ctx.out.line(colours.bold('History'));
      ctx.out.fields([
        [
          'Past grants',
          evidence.past_grants
            .map((g) => `${g.state} ${formatCents(g.monthly_credit_cents, g.currency)}/month until ${g.last_day}`)
            .join('; ') || 'none',
        ],
        ['Past requests', evidence.past_requests.map((r) => `#${r.number} ${r.state}`).join(', ') || 'none'],
        ['Stories', evidence.stories.map((s) => s.title).join('; ') || 'none'],
      ]);
    });

  review
    .command('vote')
    .description('vote +1 or −1, optionally with rubric scores; voting again replaces your vote')
    .argument('<id>', 'request id')
    .option('--up', '+1: approve')
    .option('--down', '−1: against')
    .option('--note <text>', 'why, for the other reviewers')
    .option('--score <criterion=N>', `a rubric score from 1 to 5 (repeatable); criteria: ${CRITERIA.join(', ')}`, collectScore)
    .option('--json', 'print the API’s JSON: { items, tally }')
    .action(
      async (
        id: string,
        options: { up?: boolean; down?: boolean; note?: string; score?: Partial<Record<Criterion, number>>; json?: boolean },
      ) => {
        if (options.up === options.down) throw usageError('give exactly one of --up or --down');
        const { client } = await connect(ctx);
        const votes = await unwrap(
          client.POST('/api/v1/requests/{id}/votes', {
            params: { path: { id: requestId(id) } },
            body: { vote: options.up ? 1 : -1, scores: options.score ?? {}, note: options.note },
          }),
        );
        if (options.json) return ctx.out.json(votes);
        ctx.out.note(`Your ${options.up ? '+1' : '−1'} is recorded.`);
        ctx.out.table(
          votes.items,
          [
            { header: 'REVIEWER', value: (v) => v.user.name },
            { header: 'VOTE', value: (v) => (v.vote > 0 ? '+1' : '−1') },
            {
              header: 'SCORES',
              value: (v) =>
                Object.entries(v.scores)
                  .map(([c, n]) => `${c}=${n}`)
                  .join(' ') || '-',
            },
            { header: 'NOTE', value: (v) => v.note ?? '' },
            { header: 'WHEN', value: (v) => relativeTime(v.updated_at) },
          ],
          'No votes.',
        );
        ctx.out.line(`Votes: ${tallyText(votes.tally)}`);
      },
    );

  review
    .command('approve')
    .description('approve with grant terms; terms left out are prefilled from the request and the program’s defaults')
    .argument('<id>', 'request id')
    .option('--monthly-credit-cents <cents>', 'monthly credit cap in cents (default: the request’s estimate)', centsAmount)
    .option('--max-servers <n>', 'most servers at once (default: the request’s total quantity)', positiveInteger)
    .option('--plans <slugs>', 'allowed plans, comma-separated (default: the request’s)', list)
    .option('--metros <codes>', 'allowed metros, comma-separated (default: the request’s)', list)
    .option('--start-on <date>', 'first day (default: the wished start, or today)', isoDate)
    .option('--end-on <date>', 'last day of a fixed grant (default: the requested end)', isoDate)
    .option('--review-on <date>', 'review date of an ongoing grant (default: the requested one)', isoDate)
    .option('--override-reason <text>', 'admins: why to approve beyond the remaining budget')
    .option('--note <text>', 'a word to the applicant, on the timeline')
    .option('--json', 'print the API’s JSON: { request, grant }')
    .action(async (id: string, options: ApproveOptions) => {
      const { client } = await connect(ctx);
      const approval = await unwrap(
        client.POST('/api/v1/requests/{id}/approve', {
          params: { path: { id: requestId(id) } },
          body: {
            monthly_credit_cents: options.monthlyCreditCents,
            max_servers: options.maxServers,
            allowed_plans: options.plans,
            allowed_metros: options.metros,
            starts_on: options.startOn,
            ends_on: options.endOn,
            review_on: options.reviewOn,
            override_reason: options.overrideReason,
            note: options.note,
          },
        }),
      );
      if (options.json) return ctx.out.json(approval);
      ctx.out.note(`Approved request #${approval.request.number}.`);
      showGrant(ctx, approval.grant);
    });

  review
    .command('decline')
    .description('decline with a reason the applicant sees')
    .argument('<id>', 'request id')
    .option('--reason <text>', 'why (added to the template’s text when --template is given)')
    .addOption(new Option('--template <id>', 'a standard reason').choices(DECLINE_TEMPLATES))
    .option('--json', 'print the API’s JSON (the request)')
    .action(async (id: string, options: { reason?: string; template?: (typeof DECLINE_TEMPLATES)[number]; json?: boolean }) => {
      if (!options.reason?.trim() && !options.template) throw usageError('give --reason, --template, or both');
      const { client } = await connect(ctx);
      const declined = await unwrap(
        client.POST('/api/v1/requests/{id}/decline', {
          params: { path: { id: requestId(id) } },
          body: { reason: options.reason, template: options.template },
        }),
      );
      if (options.json) return ctx.out.json(declined);
      ctx.out.line(`Declined request #${declined.number}: ${declined.decision_reason ?? ''}`.trimEnd());
    });

  review
    .command('request-changes')
    .description('send a request back to its applicant with what to change')
    .argument('<id>', 'request id')
    .requiredOption('--reason <text>', 'what to change; the applicant sees it')
    .option('--json', 'print the API’s JSON (the request)')
    .action(async (id: string, options: { reason: string; json?: boolean }) => {
      const { client } = await connect(ctx);
      const changed = await unwrap(
        client.POST('/api/v1/requests/{id}/request-changes', { params: { path: { id: requestId(id) } }, body: { reason: options.reason } }),
      );
      if (options.json) return ctx.out.json(changed);
      ctx.out.line(`Request #${changed.number} is ${stateStyle(ctx, changed.state)}; its owners are asked to change it.`);
    });
}

type QueueOptions = {
  program?: string;
  state?: string;
  purpose?: Schemas['Purpose'];
  source?: 'web' | 'github';
  minAgeDays?: number;
  minCostCents?: number;
  maxCostCents?: number;
  sort: (typeof SORTS)[number];
  overdue?: boolean;
  limit: number;
  all?: boolean;
  json?: boolean;
};

type ApproveOptions = {
  monthlyCreditCents?: number;
  maxServers?: number;
  plans?: string[];
  metros?: string[];
  startOn?: string;
  endOn?: string;
  reviewOn?: string;
  overrideReason?: string;
  note?: string;
  json?: boolean;
};

/**
 * The API has no overdue filter (the target differs per program), so --overdue reads the queue to its
 * end and keeps what each request's own flag says; next_cursor is then always null.
 */
async function overduePages(
  wanted: number,
  fetchPage: (limit: number, cursor?: string) => Promise<Page<QueueItem>>,
): Promise<Page<QueueItem>> {
  const all = await collectPages<QueueItem>(Number.POSITIVE_INFINITY, (_, cursor) => fetchPage(PAGE_LIMIT_MAX, cursor));
  return { items: all.items.filter((item) => item.is_overdue).slice(0, wanted), next_cursor: null };
}

export function tallyText(tally: VoteTally): string {
  const rule = tally.approvals_required >= 2 ? `two-vote rule ${tally.meets_vote_rule ? 'met' : 'not met'}` : 'one decision needed';
  return `+${tally.up} −${tally.down} (${rule})`;
}

/** "impact=4" → { impact: 4 }; repeatable. */
export function collectScore(value: string, previous: Partial<Record<Criterion, number>> | undefined): Partial<Record<Criterion, number>> {
  const match = /^([a-z]+)=(\d)$/.exec(value.trim());
  const criterion = match?.[1] as Criterion | undefined;
  const score = Number(match?.[2]);
  if (!match || !criterion || !CRITERIA.includes(criterion)) {
    throw new InvalidArgumentError(`"${value}" is not CRITERION=N; criteria are ${CRITERIA.join(', ')}`);
  }
  if (score < 1 || score > 5) throw new InvalidArgumentError(`"${value}": scores go from 1 to 5`);
  return { ...previous, [criterion]: score };
}

function list(value: string): string[] {
  const items = value
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
  if (items.length === 0) throw new InvalidArgumentError('must name at least one, comma-separated');
  return items;
}
