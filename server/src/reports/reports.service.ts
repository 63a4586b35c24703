import type { Db } from '../db/database.ts';
import { addDays, daysBetween, type FiscalYear, fiscalYearOf } from '../grants/budget.ts';
import { type Actor, isStaff } from '../http/context.ts';
import { AppError, notFound } from '../http/errors.ts';
import type { MeteringService } from '../metering/metering.service.ts';
import { type Charge, dayStartS, nextMonthStartS, projectedCents, type SpendSummary } from '../metering/usage.ts';
import type { ProgramRow, ProgramsService } from '../programs/programs.service.ts';
import { PURPOSE_LABELS } from '../requests/requests.schemas.ts';
import type { ReportGrant, ReportsRepository } from './reports.repository.ts';
import type { Dashboard, ImpactReport, ReportQuery, SeriesName, SeriesTable } from './reports.schemas.ts';

const TRAILING_DAYS = 30;

/**
 * The program dashboard's series and the yearly impact report. Money comes from metering (the
 * same charges as usage and budgets); the rest from grants, requests, servers and machine events.
 */
export class ReportsService {
  private readonly db: Db;
  private readonly reports: ReportsRepository;
  private readonly metering: MeteringService;
  private readonly programs: ProgramsService;

  private readonly cacheMs: number;
  /** Dashboards computed lately, by program and fiscal year: the page and its CSV downloads ask together. */
  private readonly cache = new Map<string, { expiresAt: number; value: Promise<unknown> }>();

  constructor(
    db: Db,
    deps: { reports: ReportsRepository; metering: MeteringService; programs: ProgramsService },
    settings: { cacheMs?: number } = {},
  ) {
    this.db = db;
    this.reports = deps.reports;
    this.metering = deps.metering;
    this.programs = deps.programs;
    this.cacheMs = settings.cacheMs ?? 60_000;
  }

  /**
   * The whole dashboard. A program's dashboard is computed at most once a minute per fiscal year
   * (concurrent requests share one computation): figures are at most that old; usage and grant
   * pages stay live. `now` is for tests: with it nothing is cached.
   */
  async dashboard(key: string, query: ReportQuery, now?: Date): Promise<Dashboard> {
    const program = await this.programs.find(key);
    if (now) return this.build(program, query, now, new Set(SERIES_ALL));
    return this.cached(`dashboard:${program.id}:${program.updated_at.getTime()}:${query.year ?? 'current'}`, () =>
      this.build(program, query, new Date(), new Set(SERIES_ALL)),
    );
  }

  /** A report computed within the last minute for the same program (as last changed) and year, or a new one. */
  private cached<T>(key: string, compute: () => Promise<T>): Promise<T> {
    const now = Date.now();
    const hit = this.cache.get(key);
    if (hit && hit.expiresAt > now) return hit.value as Promise<T>;
    for (const [entryKey, entry] of this.cache) if (entry.expiresAt <= now) this.cache.delete(entryKey);
    const value = compute();
    this.cache.set(key, { expiresAt: now + this.cacheMs, value });
    value.catch(() => this.cache.delete(key));
    return value;
  }

  /** Forgets computed dashboards (the next request computes afresh). */
  clearCache() {
    this.cache.clear();
  }

  /** One series as a table (what a chart draws and its CSV holds). */
  async series(key: string, name: SeriesName, query: ReportQuery, now?: Date): Promise<SeriesTable> {
    const dashboard = await this.dashboard(key, query, now);
    const value = dashboard[name];
    const rows = (Array.isArray(value) ? value : [value]) as Record<string, string | number | null>[];
    return { series: name, columns: COLUMNS[name], rows };
  }

  private async build(program: ProgramRow, query: ReportQuery, now: Date, wanted: Set<SeriesName>): Promise<Dashboard> {
    const year = yearOf(program, query, now);
    const today = now.toISOString().slice(0, 10);
    const asOf = [today, year.endsOn].sort()[0] as string;
    const months = monthsOf(year);
    const elapsed = months.filter((month) => month <= asOf);
    const toMonth = elapsed.length > 0 ? nextMonth(elapsed.at(-1) as string) : year.startsOn;
    const needsSpend = [
      'burn_down',
      'forecast',
      'spend_by_project',
      'spend_by_purpose',
      'spend_by_metro',
      'spend_by_plan',
      'projects_supported',
    ].some((name) => wanted.has(name as SeriesName));
    const needsTrailing = wanted.has('burn_down') || wanted.has('forecast');
    const needsGrants =
      needsTrailing || ['spend_by_project', 'spend_by_purpose', 'projects_supported'].some((name) => wanted.has(name as SeriesName));
    const yearStart = new Date(`${year.startsOn}T00:00:00Z`);
    const yearEnd = new Date(`${addDays(year.endsOn, 1)}T00:00:00Z`);
    // The trailing window lies in the year's months read here, unless the year has just begun.
    const window = { from: addDays(asOf, -TRAILING_DAYS), to: addDays(asOf, -1) };
    const isWindowInside = window.from >= year.startsOn;
    const [spend, outsideWindow, grants, fleet, turnaround, tts] = await Promise.all([
      (needsSpend || needsTrailing) && elapsed.length > 0
        ? this.metering.programSpend(program.id, year.startsOn, toMonth, needsTrailing && isWindowInside ? window : null, now)
        : { summary: emptySummary(), windowByGrant: new Map<string | null, number>() },
      needsTrailing && elapsed.length > 0 && !isWindowInside ? this.metering.charges({ programId: program.id }, window, now) : [],
      needsGrants ? this.reports.programGrants(this.db, program.id, year.startsOn, year.endsOn) : [],
      wanted.has('utilization') ? this.reports.fleetByMonth(this.db, monthBounds(elapsed, now), now) : [],
      wanted.has('review_turnaround') ? this.reports.reviewTurnaround(this.db, program.id, yearStart, yearEnd) : [],
      wanted.has('time_to_server') ? this.reports.timeToServer(this.db, program.id, yearStart, yearEnd) : [],
    ]);
    const rows = spend.summary.byGrant;
    const trailing = isWindowInside ? spend.windowByGrant : centsByGrant(outsideWindow);
    const budget = Number(program.budget_cents_per_year);
    const spentByMonth = spend.summary.byMonth;
    const spentToDate = sum(rows);
    const grantById = new Map(grants.map((grant) => [grant.id, grant]));

    const spans = grants.map(spanOf);
    const forecast = forecastOf({ months, asOf, year, spentToDate, trailing, spans: new Map(spans.map((span) => [span.grantId, span])) });
    let cumulative = 0;
    const burnDown = months.map((month, index) => {
      const isPast = month <= asOf;
      const spent = spentByMonth.get(month) ?? 0;
      if (isPast) cumulative += spent;
      return {
        month,
        budget_cents: budget,
        committed_cents: committedIn(spans, month),
        spent_cents: spent,
        cumulative_spent_cents: isPast ? cumulative : null,
        remaining_cents: isPast ? budget - cumulative : null,
        forecast_cumulative_cents: forecast.line[index] ?? null,
      };
    });
    const projected = forecast.projectedCents;
    let trailingCents = 0;
    for (const cents of trailing.values()) trailingCents += cents;
    const daysLeft = Math.max(0, daysBetween(asOf, year.endsOn));

    const projectNames = new Map<string, { slug: string; name: string }>();
    for (const grant of grants) projectNames.set(grant.project_id, { slug: grant.project_slug, name: grant.project_name });
    const byProject = shares(
      totalsBy(rows, (row) => row.projectId),
      (id) => projectNames.get(id)?.name ?? id,
      (id) => projectNames.get(id)?.slug ?? id,
    );
    const byPurpose = shares(
      totalsBy(rows, (row) => (row.grantId ? (grantById.get(row.grantId)?.purpose ?? 'other') : 'other')),
      (purpose) => PURPOSE_LABELS[purpose as keyof typeof PURPOSE_LABELS] ?? purpose,
    );
    const byMetro = shares(orUnassigned(spend.summary.byMetro), (metro) => metro);
    const byPlan = shares(orUnassigned(spend.summary.byPlan), (plan) => plan);

    const utilization = fleet.map((row) => {
      const bounds = monthBounds([row.month], now);
      const seconds = Math.max(1, (Date.parse(bounds.ends[0] as string) - Date.parse(bounds.starts[0] as string)) / 1000);
      const allocated = row.allocated_s / seconds;
      const available = row.available_s / seconds;
      return {
        month: row.month,
        machines: row.machines,
        allocated_avg: round(allocated, 2),
        available_avg: round(available, 2),
        other_avg: round(row.other_s / seconds, 2),
        utilization_percent: allocated + available > 0 ? round((allocated * 100) / (allocated + available), 1) : 0,
      };
    });

    const percentiles = (rows: { month: string; count: number; median: number | null; p90: number | null }[]) => {
      const byMonth = new Map(rows.map((row) => [row.month, row]));
      return [...elapsed, 'all'].map((month) => {
        const row = byMonth.get(month);
        return { month, count: row?.count ?? 0, median: row?.median ?? null, p90: row?.p90 ?? null };
      });
    };
    const supported = elapsed.map((month) => ({
      month,
      with_grant: projectsLiveIn(spans, month),
      with_usage: spend.summary.projectsByMonth.get(month) ?? 0,
    }));
    supported.push({
      month: 'all',
      with_grant: new Set(grants.map((grant) => grant.project_id)).size,
      with_usage: new Set(rows.filter((row) => row.cents > 0 || row.seconds > 0).map((row) => row.projectId)).size,
    });

    return {
      program: { id: program.id, slug: program.slug, name: program.name, currency: program.currency },
      fiscal_year: { starts_on: year.startsOn, ends_on: year.endsOn },
      burn_down: burnDown,
      forecast: {
        as_of: asOf,
        fiscal_year_ends_on: year.endsOn,
        trailing_days: TRAILING_DAYS,
        trailing_spent_cents: trailingCents,
        daily_burn_cents: round(trailingCents / TRAILING_DAYS, 2),
        spent_to_date_cents: spentToDate,
        days_left: daysLeft,
        projected_spent_cents: projected,
        budget_cents: budget,
        projected_remaining_cents: budget - projected,
      },
      spend_by_project: byProject,
      spend_by_purpose: byPurpose,
      spend_by_metro: byMetro,
      spend_by_plan: byPlan,
      utilization,
      review_turnaround: percentiles(turnaround).map((row) => ({
        month: row.month,
        decided: row.count,
        median_days: roundOrNull(row.median, 2),
        p90_days: roundOrNull(row.p90, 2),
      })),
      time_to_server: percentiles(tts).map((row) => ({
        month: row.month,
        servers: row.count,
        median_minutes: roundOrNull(row.median, 1),
        p90_minutes: roundOrNull(row.p90, 1),
      })),
      projects_supported: supported,
    };
  }

  /** The yearly impact report; public when the program says so, else for staff. Cached like the dashboard. */
  async impact(actor: Actor | null, key: string, query: ReportQuery, now?: Date): Promise<ImpactReport> {
    const program = await this.programs.find(key);
    const policy = this.programs.policyOf(program);
    if (!policy.metering.is_impact_public && !isStaff(actor)) {
      if (!actor) throw new AppError('ERR_UNAUTHENTICATED');
      if (!program.is_public) notFound('Program');
      throw new AppError('ERR_FORBIDDEN', 'The program’s impact report is for its staff; its leads can make it public.');
    }
    if (now) return this.computeImpact(program, query, now);
    return this.cached(`impact:${program.id}:${program.updated_at.getTime()}:${query.year ?? 'current'}`, () =>
      this.computeImpact(program, query, new Date()),
    );
  }

  private async computeImpact(program: ProgramRow, query: ReportQuery, now: Date): Promise<ImpactReport> {
    const year = yearOf(program, query, now);
    const asOf = [now.toISOString().slice(0, 10), year.endsOn].sort()[0] as string;
    const toMonth = asOf < year.startsOn ? year.startsOn : nextMonth(asOf.slice(0, 8).concat('01'));
    const yearStart = new Date(`${year.startsOn}T00:00:00Z`);
    const yearEnd = new Date(`${addDays(year.endsOn, 1)}T00:00:00Z`);
    const [spend, grants, stories] = await Promise.all([
      toMonth > year.startsOn ? this.metering.programSpend(program.id, year.startsOn, toMonth, null, now) : null,
      this.reports.programGrants(this.db, program.id, year.startsOn, year.endsOn),
      this.reports.publishedStories(this.db, program.id, yearStart, yearEnd),
    ]);
    const rows = spend?.summary.byGrant ?? [];
    const names = new Map(grants.map((grant) => [grant.project_id, { slug: grant.project_slug, name: grant.project_name }]));
    const perProject = new Map<string, { seconds: number; cents: number; bytesOut: bigint }>();
    let seconds = 0;
    let bytesOut = 0n;
    let bytesIn = 0n;
    for (const row of rows) {
      seconds += row.seconds;
      bytesOut += row.bytesOut;
      bytesIn += row.bytesIn;
      const entry = perProject.get(row.projectId) ?? { seconds: 0, cents: 0, bytesOut: 0n };
      entry.seconds += row.seconds;
      entry.cents += row.cents;
      entry.bytesOut += row.bytesOut;
      perProject.set(row.projectId, entry);
    }
    return {
      program: { id: program.id, slug: program.slug, name: program.name, currency: program.currency },
      fiscal_year: { starts_on: year.startsOn, ends_on: year.endsOn },
      projects_supported: new Set(grants.map((grant) => grant.project_id)).size,
      server_hours: round(seconds / 3600, 2),
      value_donated_cents: sum(rows),
      traffic: { bytes_out: String(bytesOut), bytes_in: String(bytesIn), tb_out: round(Number(bytesOut) / 1e12, 3) },
      projects: [...perProject.entries()]
        .map(([id, entry]) => ({
          slug: names.get(id)?.slug ?? id,
          name: names.get(id)?.name ?? id,
          server_hours: round(entry.seconds / 3600, 2),
          value_cents: entry.cents,
          bytes_out: String(entry.bytesOut),
        }))
        .sort((a, b) => b.value_cents - a.value_cents || a.slug.localeCompare(b.slug)),
      published_stories: {
        count: stories.length,
        items: stories.map((story) => ({
          id: story.id,
          title: story.title,
          project: { slug: story.project_slug, name: story.project_name },
          published_at: story.published_at.toISOString(),
        })),
      },
    };
  }
}

const SERIES_ALL: SeriesName[] = [
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
];

const SHARE_COLUMNS = ['key', 'label', 'spent_cents', 'share_percent'];
const COLUMNS: Record<SeriesName, string[]> = {
  burn_down: [
    'month',
    'budget_cents',
    'committed_cents',
    'spent_cents',
    'cumulative_spent_cents',
    'remaining_cents',
    'forecast_cumulative_cents',
  ],
  forecast: [
    'as_of',
    'fiscal_year_ends_on',
    'trailing_days',
    'trailing_spent_cents',
    'daily_burn_cents',
    'spent_to_date_cents',
    'days_left',
    'projected_spent_cents',
    'budget_cents',
    'projected_remaining_cents',
  ],
  spend_by_project: SHARE_COLUMNS,
  spend_by_purpose: SHARE_COLUMNS,
  spend_by_metro: SHARE_COLUMNS,
  spend_by_plan: SHARE_COLUMNS,
  utilization: ['month', 'machines', 'allocated_avg', 'available_avg', 'other_avg', 'utilization_percent'],
  review_turnaround: ['month', 'decided', 'median_days', 'p90_days'],
  time_to_server: ['month', 'servers', 'median_minutes', 'p90_minutes'],
  projects_supported: ['month', 'with_grant', 'with_usage'],
};

/** A table as CSV (RFC 4180): a header, then one line per row; empty for null. */
export function toCsv(table: SeriesTable): string {
  const cell = (value: string | number | null | undefined) => {
    if (value === null || value === undefined) return '';
    const text = String(value);
    return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
  };
  const lines = [table.columns.map(cell).join(',')];
  for (const row of table.rows) lines.push(table.columns.map((column) => cell(row[column])).join(','));
  return `${lines.join('\r\n')}\r\n`;
}

function yearOf(program: ProgramRow, query: ReportQuery, now: Date): FiscalYear {
  const month = String(program.fiscal_year_start_month).padStart(2, '0');
  if (query.year === undefined) return fiscalYearOf(now.toISOString().slice(0, 10), program.fiscal_year_start_month);
  return { startsOn: `${query.year}-${month}-01`, endsOn: addDays(`${query.year + 1}-${month}-01`, -1) };
}

function nextMonth(month: string): string {
  return new Date(nextMonthStartS(dayStartS(month)) * 1000).toISOString().slice(0, 10);
}

function monthsOf(year: FiscalYear): string[] {
  const months: string[] = [];
  for (let month = year.startsOn; month <= year.endsOn; month = nextMonth(month)) months.push(month);
  return months;
}

/** [start, end) of each month, the current one ending now. */
function monthBounds(months: string[], now: Date) {
  return {
    starts: months.map((month) => `${month}T00:00:00Z`),
    ends: months.map((month) => {
      const end = nextMonthStartS(dayStartS(month)) * 1000;
      return new Date(Math.min(end, now.getTime())).toISOString();
    }),
  };
}

type GrantSpan = { grantId: string; projectId: string; creditCents: number; firstDay: number; lastDay: number };

/** A grant's live days as day numbers (days since 1970), worked out once per dashboard. */
function spanOf(grant: ReportGrant): GrantSpan {
  return {
    grantId: grant.id,
    projectId: grant.project_id,
    creditCents: Number(grant.monthly_credit_cents),
    firstDay: dayNumber(grant.starts_on),
    lastDay: grant.last_day ? dayNumber(grant.last_day) : Number.POSITIVE_INFINITY,
  };
}

/**
 * The forecast, one computation for the figure and the burn-down's line: from this month on, the
 * cumulative spend at each month's end (the year's end for its last month) is what was spent to
 * date plus each grant's trailing daily burn (its spend over the last TRAILING_DAYS days ÷
 * TRAILING_DAYS) for each day left until then — a grant's burn stops after its last day; spend
 * without a grant goes on to the year's end. Grants that spent nothing in the window add nothing
 * (their credit is in the committed line, not the forecast). The year-end figure is the line's
 * last point.
 */
function forecastOf(input: {
  months: string[];
  asOf: string;
  year: FiscalYear;
  spentToDate: number;
  /** Cents spent over the trailing days, per grant (null: spend without a grant). */
  trailing: Map<string | null, number>;
  spans: Map<string, GrantSpan>;
}): { line: (number | null)[]; projectedCents: number } {
  const byGrant = input.trailing;
  const asOfDay = dayNumber(input.asOf);
  const thisMonth = `${input.asOf.slice(0, 8)}01`;
  const yearEndDay = dayNumber(input.year.endsOn);
  const line = input.months.map((month) => {
    if (month < thisMonth) return null;
    const endDay = Math.min(dayNumber(nextMonth(month)) - 1, yearEndDay);
    const burns = [...byGrant].map(([grantId, trailingCents]) => {
      // A grant not live this year (its servers' spend outlived it) burns no further.
      const lastDay = grantId === null ? Number.POSITIVE_INFINITY : (input.spans.get(grantId)?.lastDay ?? asOfDay);
      return { trailingCents, daysLeft: Math.max(0, Math.min(endDay, lastDay) - asOfDay) };
    });
    return projectedCents(input.spentToDate, burns, TRAILING_DAYS);
  });
  return { line, projectedCents: line.at(-1) ?? input.spentToDate };
}

function emptySummary(): SpendSummary {
  return { byGrant: [], byMonth: new Map(), byPlan: new Map(), byMetro: new Map(), projectsByMonth: new Map() };
}

function centsByGrant(charges: readonly Charge[]): Map<string | null, number> {
  const totals = new Map<string | null, number>();
  for (const charge of charges) totals.set(charge.grantId, (totals.get(charge.grantId) ?? 0) + charge.cents);
  return totals;
}

function dayNumber(day: string): number {
  return Date.parse(`${day}T00:00:00Z`) / 86_400_000;
}

/** Projects with a grant live on any day of a month. */
function projectsLiveIn(spans: GrantSpan[], month: string): number {
  const first = dayNumber(month);
  const last = dayNumber(nextMonth(month)) - 1;
  const projects = new Set<string>();
  for (const span of spans) if (span.firstDay <= last && span.lastDay >= first) projects.add(span.projectId);
  return projects.size;
}

/** Monthly credits of the grants live in a month, pro rata by day, each rounded up (as budgets commit). */
function committedIn(spans: GrantSpan[], month: string): number {
  const first = dayNumber(month);
  const days = dayNumber(nextMonth(month)) - first;
  let total = 0;
  for (const span of spans) {
    const live = Math.max(0, Math.min(span.lastDay, first + days - 1) - Math.max(span.firstDay, first) + 1);
    if (live > 0) total += Math.ceil((span.creditCents * live) / days);
  }
  return total;
}

/** Totals as shares of their sum, largest first. */
function shares(totals: Map<string, number>, labelOf: (key: string) => string, displayKey?: (key: string) => string) {
  let all = 0;
  for (const cents of totals.values()) all += cents;
  return [...totals.entries()]
    .map(([key, cents]) => ({
      key: displayKey ? displayKey(key) : key,
      label: labelOf(key),
      spent_cents: cents,
      share_percent: all > 0 ? round((cents * 100) / all, 1) : 0,
    }))
    .sort((a, b) => b.spent_cents - a.spent_cents || a.key.localeCompare(b.key));
}

/** Plans or metros with `unassigned` for traffic reported for a project (it has neither). */
function orUnassigned(totals: Map<string | null, number>): Map<string, number> {
  const out = new Map<string, number>();
  for (const [key, cents] of totals) out.set(key ?? 'unassigned', (out.get(key ?? 'unassigned') ?? 0) + cents);
  return out;
}

function totalsBy<T extends { cents: number }>(items: readonly T[], keyOf: (item: T) => string): Map<string, number> {
  const totals = new Map<string, number>();
  for (const item of items) {
    const key = keyOf(item);
    totals.set(key, (totals.get(key) ?? 0) + item.cents);
  }
  return totals;
}

function sum(items: readonly { cents: number }[]): number {
  let total = 0;
  for (const item of items) total += item.cents;
  return total;
}

function round(value: number, decimals: number): number {
  const factor = 10 ** decimals;
  return Math.round(value * factor) / factor;
}

function roundOrNull(value: number | null, decimals: number): number | null {
  return value === null ? null : round(value, decimals);
}
