import { type Schemas, unwrap } from '@surplus/api-client';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { type Context, connect } from '../config.ts';
import { formatCents } from '../money.ts';
import { type Column, positiveInteger, relativeTime, usageError } from '../output.ts';
import { indent } from './programs.ts';

type Request = Schemas['Request'];
type RequestDetail = Schemas['RequestDetail'];
type ResourceLine = Schemas['ResourceLine'];
type ResourceLineBody = Schemas['ResourceLineBodyInput'];
type Purpose = Schemas['Purpose'];

export const PURPOSES = ['ci_cd', 'benchmarking', 'labs', 'hosting', 'other'] as const;
export const STATES = ['draft', 'needs_info', 'submitted', 'in_review', 'changes_requested', 'approved', 'declined', 'withdrawn'];
export const SORTS = ['oldest', 'newest', 'cost_desc', 'cost_asc'] as const;
const PAGE_LIMIT_MAX = 200;
// Estimates are priced in USD (the API's Estimate says so); requests carry no currency of their own.
const CURRENCY = 'USD';

export function registerRequestCommands(program: Command, ctx: Context) {
  const requests = program.command('requests').description('ask a program for servers, and follow the answer');

  requests
    .command('create')
    .description('ask a program for servers for a project you own; prints the monthly estimate and eligibility checks')
    .requiredOption('--program <program>', 'program slug or id')
    .requiredOption('--project <project>', 'project slug or id (you must own it)')
    .addOption(new Option('--purpose <purpose>', 'what the servers are for').choices(PURPOSES).makeOptionMandatory())
    .requiredOption('--description <markdown>', 'what you will do with the servers, in Markdown')
    .requiredOption(
      '--resource <PLAN:QTY:METRO:OS>',
      'a resource line, e.g. c3.small.x86:2:da:ubuntu_22_04 (repeat for several)',
      collectResource,
    )
    .option('--title <title>', 'a short title (default: the project’s name and purpose)')
    .option('--end-on <date>', 'when the servers are no longer needed (YYYY-MM-DD)', isoDate)
    .option('--ongoing', 'no end date; give --review-on instead')
    .option('--review-on <date>', 'for --ongoing: when the program should look again (YYYY-MM-DD)', isoDate)
    .option('--start-on <date>', 'wished start date (YYYY-MM-DD)', isoDate)
    .option('--publish <text>', 'what results you will publish')
    .option('--acknowledge', 'you agree to acknowledge the sponsor')
    .option('--draft', 'save without submitting (submit later with `surplus requests submit ID`)')
    .option('--json', 'print the API’s JSON (the request with eligibility and timeline)')
    .action(async (options: CreateOptions) => {
      if (options.ongoing && options.endOn) throw usageError('give either --end-on or --ongoing (with --review-on), not both');
      if (options.reviewOn && !options.ongoing) throw usageError('--review-on is for --ongoing requests; use --end-on for a fixed end');
      const { client } = await connect(ctx);
      const created = await unwrap(
        client.POST('/api/v1/requests', {
          body: {
            program: options.program,
            project: options.project,
            purpose: options.purpose,
            title: options.title ?? '',
            description: options.description,
            resources: options.resource,
            duration: options.ongoing ? 'ongoing' : 'fixed',
            end_on: options.endOn,
            review_on: options.reviewOn,
            start_on: options.startOn,
            publish_results: options.publish ?? '',
            acknowledges_sponsor: options.acknowledge ?? false,
            submit: !options.draft,
          },
        }),
      );
      if (options.json) return ctx.out.json(created);
      ctx.out.note(
        created.state === 'draft'
          ? `Saved draft request #${created.number}; submit it with \`surplus requests submit ${created.id}\`.`
          : `Request #${created.number} to ${created.program.name} is ${created.state}.`,
      );
      ctx.out.fields([
        ['Request', `#${created.number} ${created.title}`],
        ['Id', created.id],
        ['State', created.state],
      ]);
      ctx.out.line();
      showResources(ctx, created);
      ctx.out.line();
      showEligibility(ctx, created.eligibility);
    });

  requests
    .command('list')
    .description('list requests: yours, or every request for staff; oldest submission first')
    .option('--program <program>', 'only this program (slug or id)')
    .option('--project <project>', 'only this project (slug or id)')
    .option('--state <states>', `only these states, comma-separated: ${STATES.join(', ')}`, stateList)
    .addOption(new Option('--purpose <purpose>', 'only this purpose').choices(PURPOSES))
    .addOption(new Option('--source <source>', 'only requests from the web form or GitHub issues').choices(['web', 'github']))
    .addOption(new Option('--sort <order>', 'order').choices(SORTS).default('oldest'))
    .option('--limit <n>', 'show at most this many, following pages as needed', positiveInteger, 50)
    .option('--all', 'every matching request, however many pages (overrides --limit)')
    .option('--json', 'print { items, next_cursor } with the API’s Request objects')
    .action(async (options: ListOptions) => {
      const { client } = await connect(ctx);
      const page = await collectPages<Request>(options.all ? Number.POSITIVE_INFINITY : options.limit, (limit, cursor) =>
        unwrap(
          client.GET('/api/v1/requests', {
            params: {
              query: {
                program: options.program,
                project: options.project,
                state: options.state,
                purpose: options.purpose,
                source: options.source,
                sort: options.sort,
                limit,
                cursor,
              },
            },
          }),
        ),
      );
      if (options.json) return ctx.out.json(page);
      requestTable(ctx, page.items, 'No requests match.');
      if (page.next_cursor) ctx.out.note(`More requests exist; raise --limit (now ${options.limit}) or add --all to see them.`);
    });

  requests
    .command('show')
    .description('show a request: what it asks for, the estimate, eligibility checks and its timeline')
    .argument('<id>', 'request id')
    .option('--json', 'print the API’s JSON')
    .action(async (id: string, options: { json?: boolean }) => {
      const { client } = await connect(ctx);
      const detail = await unwrap(client.GET('/api/v1/requests/{id}', { params: { path: { id: requestId(id) } } }));
      if (options.json) return ctx.out.json(detail);
      showRequest(ctx, detail);
    });

  requests
    .command('submit')
    .description('submit a draft (or a request you changed after review asked you to)')
    .argument('<id>', 'request id')
    .option('--json', 'print the API’s JSON')
    .action(async (id: string, options: { json?: boolean }) => {
      const { client } = await connect(ctx);
      const detail = await unwrap(client.POST('/api/v1/requests/{id}/submit', { params: { path: { id: requestId(id) } } }));
      if (options.json) return ctx.out.json(detail);
      ctx.out.line(`Request #${detail.number} is ${detail.state}.`);
    });

  requests
    .command('withdraw')
    .description('withdraw a request that is not decided yet')
    .argument('<id>', 'request id')
    .option('--reason <text>', 'why, for the reviewers and the timeline')
    .option('--json', 'print the API’s JSON')
    .action(async (id: string, options: { reason?: string; json?: boolean }) => {
      const { client } = await connect(ctx);
      const detail = await unwrap(
        client.POST('/api/v1/requests/{id}/withdraw', { params: { path: { id: requestId(id) } }, body: { reason: options.reason } }),
      );
      if (options.json) return ctx.out.json(detail);
      ctx.out.line(`Withdrew request #${detail.number}.`);
    });
}

type CreateOptions = {
  program: string;
  project: string;
  purpose: Purpose;
  description: string;
  resource: ResourceLineBody[];
  title?: string;
  endOn?: string;
  ongoing?: boolean;
  reviewOn?: string;
  startOn?: string;
  publish?: string;
  acknowledge?: boolean;
  draft?: boolean;
  json?: boolean;
};

type ListOptions = {
  program?: string;
  project?: string;
  state?: string;
  purpose?: Purpose;
  source?: 'web' | 'github';
  sort: (typeof SORTS)[number];
  limit: number;
  all?: boolean;
  json?: boolean;
};

/** "PLAN:QTY:METRO:OS", e.g. c3.small.x86:2:da:ubuntu_22_04; plan slugs hold dots but no colons. */
export function parseResource(value: string): ResourceLineBody {
  const parts = value.split(':');
  const [plan, quantity, metro, os] = parts.map((part) => part.trim());
  if (parts.length !== 4 || !plan || !metro || !os) {
    throw new InvalidArgumentError(`"${value}" is not PLAN:QTY:METRO:OS, e.g. c3.small.x86:2:da:ubuntu_22_04`);
  }
  if (!/^\d+$/.test(quantity ?? '') || Number(quantity) < 1) {
    throw new InvalidArgumentError(`"${value}": the quantity "${quantity}" must be a whole number ≥ 1`);
  }
  return { plan, quantity: Number(quantity), metro, operating_system: os };
}

// No default list: with one, commander would count a missing --resource as given.
function collectResource(value: string, previous: ResourceLineBody[] | undefined): ResourceLineBody[] {
  return [...(previous ?? []), parseResource(value)];
}

/** A calendar date, checked here so a typo is bad usage (exit 2) rather than a round trip. */
export function isoDate(value: string): string {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) throw new InvalidArgumentError('must be a date, YYYY-MM-DD');
  const date = new Date(`${value}T00:00:00Z`);
  if (Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== value)
    throw new InvalidArgumentError(`${value} is not a calendar date`);
  return value;
}

export function stateList(value: string): string {
  const unknown = value.split(',').filter((state) => !STATES.includes(state));
  if (unknown.length) throw new InvalidArgumentError(`unknown state ${unknown.join(', ')}; states are ${STATES.join(', ')}`);
  return value;
}

/** The API answers 400 for an id that is not a UUID; saying so here names the argument. */
export function requestId(value: string): string {
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value)) {
    throw usageError(`${value} is not a request id (a UUID, as in the ID column of \`surplus requests list\`)`);
  }
  return value;
}

export type Page<T> = { items: T[]; next_cursor: string | null };

/**
 * Follows cursors until `wanted` items are in hand or the pages run out. Asking each page for exactly
 * what is still wanted makes the last next_cursor resume right after the last item returned.
 */
export async function collectPages<T>(wanted: number, fetchPage: (limit: number, cursor?: string) => Promise<Page<T>>): Promise<Page<T>> {
  const items: T[] = [];
  let cursor: string | undefined;
  let nextCursor: string | null = null;
  do {
    const page = await fetchPage(Math.min(wanted - items.length, PAGE_LIMIT_MAX), cursor);
    items.push(...page.items);
    nextCursor = page.next_cursor;
    cursor = nextCursor ?? undefined;
  } while (cursor && items.length < wanted);
  return { items, next_cursor: nextCursor };
}

export function stateStyle(ctx: Context, state: string): string {
  const { colours } = ctx.out;
  if (state === 'approved' || state === 'active') return colours.green(state);
  if (state === 'declined' || state === 'needs_info' || state === 'changes_requested' || state === 'revoked') return colours.red(state);
  if (state === 'withdrawn' || state === 'draft' || state === 'expired') return colours.dim(state);
  return state;
}

/**
 * A row of the request table: a Request (`requests list`) or a review queue item (`review list`),
 * which counts its servers instead of listing its resource lines.
 */
type ListedRequest = Pick<
  Request,
  | 'id'
  | 'number'
  | 'program'
  | 'project'
  | 'github_author'
  | 'state'
  | 'source'
  | 'github_issue'
  | 'purpose'
  | 'monthly_estimate_cents'
  | 'submitted_at'
  | 'waiting_days'
  | 'is_overdue'
> &
  (Pick<Request, 'resources'> | { server_count: number; unmatched_lines: number });

function source(request: ListedRequest): string {
  return request.source === 'github' ? `github #${request.github_issue ?? '?'}` : 'web';
}

function projectLabel(request: ListedRequest): string {
  if (request.project) return request.project.slug;
  return request.github_author ? `@${request.github_author} (unclaimed)` : '-';
}

function serverCount(request: ListedRequest): string {
  const [matched, unmatched] =
    'resources' in request
      ? [
          request.resources.filter((line) => line.unmatched === null).reduce((sum, line) => sum + line.quantity, 0),
          request.resources.filter((line) => line.unmatched !== null).length,
        ]
      : [request.server_count, request.unmatched_lines];
  return unmatched ? `${matched} + ${unmatched} unmatched` : String(matched);
}

function waiting(request: ListedRequest): string {
  if (!request.submitted_at) return '-';
  const days = `${request.waiting_days} d`;
  return request.is_overdue ? `${days} (overdue)` : days;
}

/** The table `requests list` and `review list` share; `extra` columns go before the id. */
export function requestTable<T extends ListedRequest>(ctx: Context, items: T[], empty: string, extra: Column<T>[] = []) {
  const { colours } = ctx.out;
  ctx.out.table<T>(
    items,
    [
      { header: '#', value: (r) => String(r.number) },
      { header: 'PROGRAM', value: (r) => r.program.slug },
      { header: 'PROJECT', value: projectLabel, style: (text) => colours.bold(text) },
      { header: 'STATE', value: (r) => r.state, style: (text) => stateStyle(ctx, text) },
      { header: 'SOURCE', value: source },
      { header: 'PURPOSE', value: (r) => r.purpose ?? '-' },
      { header: 'SERVERS', value: serverCount },
      { header: 'PER MONTH', value: (r) => formatCents(r.monthly_estimate_cents, CURRENCY) },
      { header: 'WAITING', value: waiting, style: (text, r) => (r.is_overdue ? colours.red(text) : text) },
      ...extra,
      { header: 'ID', value: (r) => r.id, style: (text) => colours.dim(text) },
    ],
    empty,
  );
}

function showResources(ctx: Context, request: Request) {
  const hasUnmatched = request.resources.some((line) => line.unmatched !== null);
  ctx.out.table(
    request.resources,
    [
      { header: 'PLAN', value: (line: ResourceLine) => line.plan ?? '?' },
      { header: 'QTY', value: (line) => String(line.quantity) },
      { header: 'METRO', value: (line) => line.metro ?? '?' },
      { header: 'OS', value: (line) => line.operating_system ?? '?' },
      { header: 'PER MONTH', value: (line) => formatCents(line.monthly_cents, CURRENCY) },
      ...(hasUnmatched
        ? [{ header: 'UNMATCHED', value: (line: ResourceLine) => line.unmatched ?? '', style: (text: string) => ctx.out.colours.red(text) }]
        : []),
    ],
    'No resource lines.',
  );
  ctx.out.line(`Estimate: ${ctx.out.colours.bold(formatCents(request.monthly_estimate_cents, CURRENCY))} per month (730 hours)`);
}

export function showEligibility(ctx: Context, checks: Schemas['EligibilityCheck'][]) {
  const { colours } = ctx.out;
  const mark = { pass: colours.green('pass'), warn: 'warn', fail: colours.red('fail') };
  ctx.out.line(colours.bold('Eligibility'));
  for (const check of checks) ctx.out.line(`  ${mark[check.status]}  ${check.check}: ${check.reason}`);
}

function showRequest(ctx: Context, request: RequestDetail) {
  const duration =
    request.duration === 'ongoing' ? `ongoing, review on ${request.review_on ?? '-'}` : `until ${request.end_on ?? '(no end date given)'}`;
  const from =
    request.source === 'github'
      ? `GitHub issue #${request.github_issue}${request.github_author ? ` by @${request.github_author}` : ''}`
      : 'web form';
  ctx.out.fields([
    ['Request', `#${request.number} ${request.title}`],
    ['State', stateStyle(ctx, request.state)],
    ['Program', `${request.program.name} (${request.program.slug})`],
    ['Project', request.project ? `${request.project.name} (${request.project.slug})` : projectLabel(request)],
    ['Source', from],
    ['Kind', request.kind === 'extension' ? `extension of grant ${request.extends_grant_id}` : 'new'],
    ['Purpose', request.purpose],
    ['Duration', duration],
    ['Wished start', request.start_on],
    ['Publishes', request.publish_results || null],
    ['Acknowledges', request.acknowledges_sponsor ? 'yes, will acknowledge the sponsor' : 'no'],
    ['Missing', request.missing.length ? request.missing.join('; ') : null],
    ['Created', `${relativeTime(request.created_at)} (${request.created_at})`],
    ['Submitted', request.submitted_at && `${relativeTime(request.submitted_at)} (${request.submitted_at})`],
    ['Waiting', request.submitted_at ? `${request.waiting_days} days${request.is_overdue ? ' — over the review target' : ''}` : null],
    ['Decided', request.decided_at && `${relativeTime(request.decided_at)} (${request.decided_at})`],
    ['Reason', request.decision_reason],
    ['Grant', request.grant_id],
    ['Id', request.id],
  ]);
  if (request.description.trim()) {
    ctx.out.line();
    ctx.out.line(indent(request.description));
  }
  if (request.progress_report?.trim()) {
    ctx.out.line();
    ctx.out.line(ctx.out.colours.bold('Progress report'));
    ctx.out.line(indent(request.progress_report));
  }
  ctx.out.line();
  showResources(ctx, request);
  ctx.out.line();
  showEligibility(ctx, request.eligibility);
  ctx.out.line();
  ctx.out.line(ctx.out.colours.bold('Timeline'));
  ctx.out.table(
    request.timeline,
    [
      { header: 'WHEN', value: (event) => event.occurred_at },
      { header: 'CHANGE', value: (event) => (event.from_state ? `${event.from_state} → ${event.to_state}` : event.to_state) },
      { header: 'BY', value: (event) => event.actor },
      { header: 'NOTE', value: (event) => event.note ?? '' },
    ],
    'No events.',
  );
}
