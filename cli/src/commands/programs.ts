import { type Schemas, unwrap } from '@surplus/api-client';
import { type Command, InvalidArgumentError } from 'commander';
import { type Context, connect } from '../config.ts';
import { formatCents, formatShare } from '../money.ts';
import { relativeTime, usageError } from '../output.ts';

type Program = Schemas['Program'];

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

export function registerProgramCommands(program: Command, ctx: Context) {
  const programs = program.command('programs').description('partner programs: budgets, policy, staff and intake');

  programs
    .command('list')
    .description('list the programs you can apply to (staff: all of them)')
    .option('--json', 'print the API’s JSON: { items }')
    .action(async (options: { json?: boolean }) => {
      const { client } = await connect(ctx);
      const list = await unwrap(client.GET('/api/v1/programs'));
      if (options.json) return ctx.out.json(list);
      ctx.out.table(
        list.items,
        [
          { header: 'SLUG', value: (p) => p.slug, style: (text) => ctx.out.colours.bold(text) },
          { header: 'NAME', value: (p) => p.name },
          { header: 'BUDGET/YEAR', value: (p) => formatCents(p.budget_cents_per_year, p.currency) },
          { header: 'FISCAL YEAR FROM', value: (p) => MONTHS[p.fiscal_year_start_month - 1] ?? String(p.fiscal_year_start_month) },
          { header: 'GITHUB INTAKE', value: (p) => p.github_repository ?? '-' },
          { header: 'STAFF', value: (p) => String(p.staff.length) },
          { header: 'VISIBILITY', value: (p) => (p.is_public ? 'public' : 'staff only') },
        ],
        'No programs yet; an admin creates one with `surplus programs create`.',
      );
    });

  programs
    .command('show')
    .description('show one program: budget, policy, intake and staff')
    .argument('<program>', 'slug or id')
    .option('--json', 'print the API’s JSON')
    .action(async (key: string, options: { json?: boolean }) => {
      const { client } = await connect(ctx);
      const found = await unwrap(client.GET('/api/v1/programs/{program}', { params: { path: { program: key } } }));
      if (options.json) return ctx.out.json(found);
      showProgram(ctx, found);
    });

  programs
    .command('create')
    .description('create a program (admins)')
    .requiredOption('--slug <slug>', 'short name used in URLs and commands, e.g. osp')
    .requiredOption('--name <name>', 'the program’s name')
    .requiredOption('--budget-cents <cents>', 'yearly budget in integer cents, e.g. 100000000 for $1,000,000', centsAmount)
    .option('--currency <code>', 'ISO 4217 currency of the budget', 'USD')
    .option('--fiscal-year-start-month <month>', 'month the fiscal year starts, 1–12', monthNumber, 1)
    .option('--github-repo <owner/repo>', 'GitHub repository whose issues are requests to this program')
    .option('--github-secret <secret>', 'the webhook secret set on that repository ("-" reads it from stdin); never printed')
    .option('--description <markdown>', 'what the program is, in Markdown')
    .option('--private', 'only staff see the program (default: public, so projects can apply)')
    .option('--json', 'print the API’s JSON (the created program; the secret is never in it)')
    .action(async (options: CreateOptions) => {
      if (options.githubRepo && !options.githubSecret) throw usageError('--github-repo needs --github-secret (the webhook secret)');
      const secret = options.githubSecret === '-' ? (await ctx.readStdin()).split(/\r?\n/)[0] : options.githubSecret;
      if (options.githubSecret === '-' && !secret) throw usageError('--github-secret -: stdin was empty');
      const { client } = await connect(ctx);
      const created = await unwrap(
        client.POST('/api/v1/programs', {
          body: {
            slug: options.slug,
            name: options.name,
            description: options.description ?? '',
            currency: options.currency,
            budget_cents_per_year: options.budgetCents,
            fiscal_year_start_month: options.fiscalYearStartMonth,
            // An empty policy gets the API's defaults; the generated type lists defaulted fields as required.
            policy: {} as Schemas['ProgramPolicyInput'],
            github_repository: options.githubRepo,
            github_secret: secret,
            is_public: !options.private,
          },
        }),
      );
      if (options.json) return ctx.out.json(created);
      ctx.out.note(`Created program ${created.slug}.`);
      showProgram(ctx, created);
    });

  programs
    .command('budget')
    .description('the program’s budget this fiscal year: committed, spent, remaining (staff)')
    .argument('<program>', 'slug or id')
    .option('--json', 'print the API’s JSON')
    .action(async (key: string, options: { json?: boolean }) => {
      const { client } = await connect(ctx);
      const budget = await unwrap(client.GET('/api/v1/programs/{program}/budget', { params: { path: { program: key } } }));
      if (options.json) return ctx.out.json(budget);
      const money = (cents: number) => formatCents(cents, budget.currency);
      const share = (cents: number) => `${money(cents)} (${formatShare(cents, budget.budget_cents)})`;
      const { colours } = ctx.out;
      ctx.out.fields([
        ['Fiscal year', `${budget.fiscal_year.starts_on} – ${budget.fiscal_year.ends_on}`],
        ['Budget', money(budget.budget_cents)],
        ['Committed', share(budget.committed_cents)],
        ['Spent', share(budget.spent_cents)],
        ['Remaining', budget.remaining_cents < 0 ? colours.red(share(budget.remaining_cents)) : share(budget.remaining_cents)],
      ]);
    });
}

type CreateOptions = {
  slug: string;
  name: string;
  budgetCents: number;
  currency: string;
  fiscalYearStartMonth: number;
  githubRepo?: string;
  githubSecret?: string;
  description?: string;
  private?: boolean;
  json?: boolean;
};

/** Whole cents, zero allowed (a program may start without money). */
export function centsAmount(value: string): number {
  const number = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(number))
    throw new InvalidArgumentError('must be a whole number of cents, e.g. 2500000');
  return number;
}

function monthNumber(value: string): number {
  const number = Number(value);
  if (!/^\d{1,2}$/.test(value) || number < 1 || number > 12) throw new InvalidArgumentError('must be a month number, 1–12');
  return number;
}

function showProgram(ctx: Context, program: Program) {
  const { policy } = program;
  const { eligibility, auto_approval: auto } = policy;
  const rules = [
    eligibility.require_osi_license ? 'OSI-approved licence' : null,
    eligibility.require_public_repository ? 'public repository' : null,
    eligibility.foundations.length ? `member of ${eligibility.foundations.join(' or ')}` : null,
    eligibility.min_maintainers > 0 ? `at least ${eligibility.min_maintainers} maintainer(s)` : null,
  ].filter((rule) => rule !== null);
  const autoApproval = auto.is_enabled
    ? `up to ${formatCents(auto.max_monthly_estimate_cents, program.currency)}/month` +
      (auto.purposes.length ? ` for ${auto.purposes.join(', ')}` : '') +
      (auto.requires_good_standing ? ', projects in good standing' : '')
    : 'off';
  const intake = program.github_repository
    ? `web form and GitHub issues in ${program.github_repository} (webhook secret ${program.has_github_secret ? 'set' : 'NOT set'})`
    : 'web form';
  ctx.out.fields([
    ['Name', program.name],
    ['Slug', program.slug],
    ['Budget', `${formatCents(program.budget_cents_per_year, program.currency)} per year`],
    ['Fiscal year', `starts in ${MONTHS[program.fiscal_year_start_month - 1]}`],
    ['Intake', intake],
    ['Visibility', program.is_public ? 'public' : 'staff only'],
    ['Eligibility', rules.join(', ') || 'none'],
    ['Approvals', policy.approvals_required === 2 ? 'two approving votes' : 'one decision'],
    ['Auto-approval', autoApproval],
    ['Grant terms', `${policy.default_grant_days} days by default; at least ${policy.min_notice_days} days’ notice before an end`],
    ['Review target', `${policy.review_target_days} days`],
    ['Created', `${relativeTime(program.created_at)} (${program.created_at})`],
    ['Id', program.id],
  ]);
  if (program.staff.length) {
    ctx.out.line();
    ctx.out.table(
      program.staff,
      [
        { header: 'STAFF', value: (s) => s.user.name },
        { header: 'EMAIL', value: (s) => s.user.email },
        { header: 'ROLE', value: (s) => s.role },
      ],
      '',
    );
  }
  if (program.description.trim()) {
    ctx.out.line();
    ctx.out.line(indent(program.description));
  }
}

export function indent(markdown: string): string {
  return markdown
    .trim()
    .split('\n')
    .map((line) => `  ${line}`.trimEnd())
    .join('\n');
}
