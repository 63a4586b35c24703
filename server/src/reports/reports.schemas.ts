import { z } from 'zod';

export const SERIES = [
  'burn_down',
  'forecast',
  'spend_by_project',
  'spend_by_purpose',
  'spend_by_metro',
  'spend_by_plan',
  'utilization',
  'review_turnaround',
  'time_to_server',
  'projects_supported',
] as const;
export type SeriesName = (typeof SERIES)[number];

export const ReportQuery = z.strictObject({
  year: z.coerce
    .number()
    .int()
    .min(2000)
    .max(2100)
    .optional()
    .describe('The calendar year the fiscal year starts in (default: the current fiscal year).'),
});
export type ReportQuery = z.infer<typeof ReportQuery>;

export const SeriesQuery = ReportQuery.extend({ format: z.enum(['json', 'csv']).default('json') });
export const SeriesParam = z.object({ program: z.string().min(1).max(64), series: z.enum(SERIES) });
export const ReportParam = z.object({ program: z.string().min(1).max(64) });

const Month = z.string().describe('YYYY-MM-01');

export const BurnMonth = z
  .object({
    month: Month,
    budget_cents: z.number().int().describe('The fiscal year’s budget: the line spend must stay under.'),
    committed_cents: z.number().int().describe('Monthly credits of the grants live that month, pro rata by day.'),
    spent_cents: z.number().int(),
    cumulative_spent_cents: z.number().int().nullable().describe('Null for months still to come.'),
    remaining_cents: z.number().int().nullable().describe('budget − cumulative spent; null for months still to come.'),
    forecast_cumulative_cents: z
      .number()
      .int()
      .nullable()
      .describe(
        'From this month on: spent to date plus each grant’s trailing 30-day burn until the month’s end (or the grant’s last day); the last month’s is the year-end forecast.',
      ),
  })
  .meta({ id: 'BurnMonth' });

export const Forecast = z
  .object({
    as_of: z.string(),
    fiscal_year_ends_on: z.string(),
    trailing_days: z.number().int(),
    trailing_spent_cents: z.number().int(),
    daily_burn_cents: z.number().describe('trailing spent ÷ trailing days.'),
    spent_to_date_cents: z.number().int(),
    days_left: z.number().int(),
    projected_spent_cents: z
      .number()
      .int()
      .describe('The burn-down’s last forecast point: spent to date + each grant’s daily burn × its days left this year, rounded half up.'),
    budget_cents: z.number().int(),
    projected_remaining_cents: z.number().int(),
  })
  .meta({ id: 'Forecast' });

export const SpendShare = z
  .object({
    key: z.string().describe('Project slug, purpose, metro or plan; "unassigned" for traffic reported for a project.'),
    label: z.string(),
    spent_cents: z.number().int(),
    share_percent: z.number(),
  })
  .meta({ id: 'SpendShare' });

export const UtilizationMonth = z
  .object({
    month: Month,
    machines: z.number().int().describe('Machines with any state that month.'),
    allocated_avg: z.number().describe('Machines allocated to servers, on average over the month (so far).'),
    available_avg: z.number().describe('Machines in the pool: the surplus.'),
    other_avg: z.number().describe('Enrolling, wiping, in maintenance or failed.'),
    utilization_percent: z.number().describe('allocated ÷ (allocated + available).'),
  })
  .meta({ id: 'UtilizationMonth' });

export const TurnaroundMonth = z
  .object({
    month: z.string().describe('YYYY-MM-01, or "all" for the whole fiscal year.'),
    decided: z.number().int(),
    median_days: z.number().nullable(),
    p90_days: z.number().nullable(),
  })
  .meta({ id: 'TurnaroundMonth' });

export const TimeToServerMonth = z
  .object({
    month: z.string().describe('YYYY-MM-01, or "all" for the whole fiscal year.'),
    servers: z.number().int(),
    median_minutes: z.number().nullable(),
    p90_minutes: z.number().nullable(),
  })
  .meta({ id: 'TimeToServerMonth' });

export const SupportedMonth = z
  .object({
    month: z.string().describe('YYYY-MM-01, or "all" for the whole fiscal year.'),
    with_grant: z.number().int().describe('Projects with a grant live that month.'),
    with_usage: z.number().int().describe('Projects that used servers or traffic that month.'),
  })
  .meta({ id: 'SupportedMonth' });

const ProgramRef = z.object({ id: z.uuid(), slug: z.string(), name: z.string(), currency: z.string() });
const FiscalYear = z.object({ starts_on: z.string(), ends_on: z.string() });

export const Dashboard = z
  .object({
    program: ProgramRef,
    fiscal_year: FiscalYear,
    burn_down: z.array(BurnMonth),
    forecast: Forecast,
    spend_by_project: z.array(SpendShare),
    spend_by_purpose: z.array(SpendShare),
    spend_by_metro: z.array(SpendShare),
    spend_by_plan: z.array(SpendShare),
    utilization: z.array(UtilizationMonth),
    review_turnaround: z.array(TurnaroundMonth),
    time_to_server: z.array(TimeToServerMonth),
    projects_supported: z.array(SupportedMonth),
  })
  .meta({ id: 'Dashboard' });
export type Dashboard = z.infer<typeof Dashboard>;

export const SeriesTable = z
  .object({
    series: z.enum(SERIES),
    columns: z.array(z.string()),
    rows: z.array(z.record(z.string(), z.union([z.string(), z.number(), z.null()]))),
  })
  .meta({ id: 'SeriesTable' });
export type SeriesTable = z.infer<typeof SeriesTable>;

export const ImpactReport = z
  .object({
    program: ProgramRef,
    fiscal_year: FiscalYear,
    projects_supported: z.number().int().describe('Projects with a grant live during the year.'),
    server_hours: z.number().describe('Counted server time, in hours (2 decimals).'),
    value_donated_cents: z.number().int().describe('What the servers and traffic would have cost at list prices.'),
    traffic: z.object({
      bytes_out: z.string(),
      bytes_in: z.string(),
      tb_out: z.number().describe('10^12 bytes, 3 decimals.'),
    }),
    projects: z.array(
      z.object({ slug: z.string(), name: z.string(), server_hours: z.number(), value_cents: z.number().int(), bytes_out: z.string() }),
    ),
    published_stories: z.object({
      count: z.number().int(),
      items: z.array(
        z.object({ id: z.uuid(), title: z.string(), project: z.object({ slug: z.string(), name: z.string() }), published_at: z.string() }),
      ),
    }),
  })
  .meta({ id: 'ImpactReport' });
export type ImpactReport = z.infer<typeof ImpactReport>;
