/**
 * The program dashboard (staff): every chart of a fiscal year from one call, each with its data as CSV
 * from the series route, so what is drawn and what is downloaded are the same rows.
 */
import { type Schemas, unwrap } from '@surplus/api-client';
import type { ReactNode } from 'react';
import { useSearchParams } from 'react-router';
import { ErrorBanner } from '../../components/Banner.tsx';
import { ButtonAnchor } from '../../components/Button.tsx';
import { Card } from '../../components/Card.tsx';
import { Skeleton } from '../../components/Loading.tsx';
import { formatCents, formatCentsShort } from '../../components/money.ts';
import { BarList, LineChart } from '../../components/ReportCharts.tsx';
import { formatDay } from '../../components/time.ts';
import { useResource } from '../../hooks/use-resource.ts';
import { useSession } from '../../session.tsx';
import { useProgram } from '../programs/ProgramLayout.tsx';
import '../../reports.css';

type Dashboard = Schemas['Dashboard'];
type SpendShare = Schemas['SpendShare'];

/** The series route's CSV: the same columns and rows as the chart above the link. */
export function CsvLink({
  program,
  series,
  year,
  label = 'Download CSV',
}: {
  program: string;
  series: string;
  year?: number;
  label?: string;
}) {
  const query = new URLSearchParams({ format: 'csv', ...(year ? { year: String(year) } : {}) });
  return (
    <ButtonAnchor
      size="sm"
      href={`/api/v1/programs/${encodeURIComponent(program)}/dashboard/${series}?${query}`}
      download
      data-series={series}
    >
      {label}
    </ButtonAnchor>
  );
}

function ChartCard({ title, description, csv, children }: { title: string; description?: ReactNode; csv: ReactNode; children: ReactNode }) {
  return (
    <Card title={title} description={description} actions={csv}>
      <div className="card-body">{children}</div>
    </Card>
  );
}

/** Running totals: committed is per month, the chart compares it with cumulative spend. */
function cumulative(values: number[]): number[] {
  let sum = 0;
  return values.map((value) => {
    sum += value;
    return sum;
  });
}

const days = (value: number | null) => (value === null ? '–' : `${value.toFixed(1)} d`);
const minutes = (value: number | null) =>
  value === null ? '–' : value < 120 ? `${Math.round(value)} min` : `${(value / 60).toFixed(1)} h`;

function Stat({ label, value, sub }: { label: string; value: ReactNode; sub?: ReactNode }) {
  return (
    <div className="stat">
      <div className="stat-label">{label}</div>
      <div className="stat-value">{value}</div>
      {sub ? <div className="stat-sub">{sub}</div> : null}
    </div>
  );
}

function shares(rows: SpendShare[], currency: string) {
  return {
    shares: rows.map((row) => ({ key: row.key, label: row.label, value: row.spent_cents, note: `${row.share_percent}%` })),
    format: (cents: number) => formatCents(cents, currency),
  };
}

export function ProgramDashboard() {
  const { program } = useProgram();
  const { client } = useSession();
  const [params, setParams] = useSearchParams();
  const year = params.get('year') ? Number(params.get('year')) : undefined;
  const resource = useResource(`dashboard:${program.id}:${year ?? ''}`, () =>
    unwrap(client.GET('/api/v1/programs/{program}/dashboard', { params: { path: { program: program.slug }, query: { year } } })),
  );
  const data: Dashboard | undefined = resource.data;
  const thisYear = new Date().getUTCFullYear();
  const years = Array.from({ length: 5 }, (_, i) => thisYear + 1 - i);

  const toolbar = (
    <div className="report-toolbar">
      <label className="inline-field">
        Fiscal year starting in{' '}
        <select
          className="select"
          aria-label="Fiscal year"
          value={year ?? data?.fiscal_year.starts_on.slice(0, 4) ?? ''}
          onChange={(event) => setParams({ year: event.target.value })}
        >
          {years.map((y) => (
            <option key={y} value={y}>
              {y}
            </option>
          ))}
        </select>
      </label>
      {data ? (
        <span className="muted">
          {formatDay(data.fiscal_year.starts_on)} – {formatDay(data.fiscal_year.ends_on)}
        </span>
      ) : null}
    </div>
  );

  if (!data) {
    return (
      <div className="stack-lg">
        {toolbar}
        {resource.error ? <ErrorBanner error={resource.error} onRetry={resource.reload} /> : <Skeleton height={220} />}
      </div>
    );
  }

  const currency = data.program.currency;
  const money = (cents: number) => formatCentsShort(cents, currency);
  const months = data.burn_down.map((m) => m.month);
  const csv = (series: string) => <CsvLink program={data.program.slug} series={series} year={year} />;
  const overall = <T extends { month: string }>(rows: T[]) => rows.find((row) => row.month === 'all');
  const monthly = <T extends { month: string }>(rows: T[]) => rows.filter((row) => row.month !== 'all');
  const turnaround = overall(data.review_turnaround);
  const toServer = overall(data.time_to_server);
  const supported = overall(data.projects_supported);
  const forecast = data.forecast;

  return (
    <div className="stack-lg" data-testid="program-dashboard">
      {toolbar}
      <div className="stats">
        <Stat
          label="Spent to date"
          value={formatCents(forecast.spent_to_date_cents, currency)}
          sub={`of ${formatCents(forecast.budget_cents, currency)}`}
        />
        <Stat
          label="Forecast at year end"
          value={formatCents(forecast.projected_spent_cents, currency)}
          sub={`${formatCents(forecast.projected_remaining_cents, currency)} left · ${formatCents(Math.round(forecast.daily_burn_cents), currency)}/day over ${forecast.trailing_days} days`}
        />
        <Stat
          label="Review turnaround"
          value={days(turnaround?.median_days ?? null)}
          sub={`median · p90 ${days(turnaround?.p90_days ?? null)} · ${turnaround?.decided ?? 0} decided`}
        />
        <Stat label="Projects supported" value={supported?.with_grant ?? 0} sub={`${supported?.with_usage ?? 0} used servers or traffic`} />
      </div>

      <ChartCard
        title="Burn-down"
        description="Budget vs committed vs spent (cumulative), and the forecast: each grant’s trailing 30-day burn until its last day, ending at the year-end forecast."
        csv={
          <span className="meta-row">
            <CsvLink program={data.program.slug} series="forecast" year={year} label="Forecast CSV" />
            {csv('burn_down')}
          </span>
        }
      >
        <LineChart
          label="Burn-down by month"
          months={months}
          format={money}
          series={[
            { key: 'budget', label: 'Budget', tone: 'budget', values: data.burn_down.map((m) => m.budget_cents) },
            {
              key: 'committed',
              label: 'Committed (cumulative)',
              tone: 'committed',
              values: cumulative(data.burn_down.map((m) => m.committed_cents)),
            },
            { key: 'spent', label: 'Spent (cumulative)', tone: 'spent', values: data.burn_down.map((m) => m.cumulative_spent_cents) },
            {
              key: 'forecast',
              label: 'Forecast',
              tone: 'forecast',
              isDashed: true,
              values: data.burn_down.map((m) => m.forecast_cumulative_cents),
            },
          ]}
        />
      </ChartCard>

      <div className="report-grid-2">
        {(
          [
            ['Spend by project', 'spend_by_project', data.spend_by_project],
            ['Spend by purpose', 'spend_by_purpose', data.spend_by_purpose],
            ['Spend by metro', 'spend_by_metro', data.spend_by_metro],
            ['Spend by plan', 'spend_by_plan', data.spend_by_plan],
          ] as const
        ).map(([title, series, rows]) => (
          <ChartCard key={series} title={title} csv={csv(series)}>
            <BarList label={title} {...shares(rows, currency)} empty="Nothing spent this year." />
          </ChartCard>
        ))}
      </div>

      <ChartCard
        title="Fleet utilization"
        description="Machines allocated to servers vs available in the pool (the surplus), monthly averages."
        csv={csv('utilization')}
      >
        <LineChart
          label="Fleet utilization by month"
          isWhole
          months={data.utilization.map((m) => m.month)}
          format={(value) => (Number.isInteger(value) ? String(value) : value.toFixed(1))}
          series={[
            { key: 'allocated', label: 'Allocated', tone: 'spent', values: data.utilization.map((m) => m.allocated_avg) },
            { key: 'available', label: 'Available', tone: 'available', values: data.utilization.map((m) => m.available_avg) },
            { key: 'other', label: 'Other states', tone: 'other', values: data.utilization.map((m) => m.other_avg) },
          ]}
        />
      </ChartCard>

      <div className="report-grid-2">
        <ChartCard
          title="Review turnaround"
          description={`Days from submit to decision: median ${days(turnaround?.median_days ?? null)}, p90 ${days(turnaround?.p90_days ?? null)}.`}
          csv={csv('review_turnaround')}
        >
          <LineChart
            label="Review turnaround by month"
            isCompact
            months={monthly(data.review_turnaround).map((m) => m.month)}
            format={(value) => `${Number.isInteger(value) ? value : value.toFixed(1)} d`}
            series={[
              { key: 'median', label: 'Median', tone: 'spent', values: monthly(data.review_turnaround).map((m) => m.median_days) },
              { key: 'p90', label: 'p90', tone: 'committed', values: monthly(data.review_turnaround).map((m) => m.p90_days) },
            ]}
          />
        </ChartCard>
        <ChartCard
          title="Time to server"
          description={`From create to active: median ${minutes(toServer?.median_minutes ?? null)}, p90 ${minutes(toServer?.p90_minutes ?? null)}.`}
          csv={csv('time_to_server')}
        >
          <LineChart
            label="Time to server by month"
            isCompact
            months={monthly(data.time_to_server).map((m) => m.month)}
            format={(value) => (value < 120 ? `${Math.round(value * 10) / 10} min` : `${Math.round(value / 6) / 10} h`)}
            series={[
              { key: 'median', label: 'Median', tone: 'spent', values: monthly(data.time_to_server).map((m) => m.median_minutes) },
              { key: 'p90', label: 'p90', tone: 'committed', values: monthly(data.time_to_server).map((m) => m.p90_minutes) },
            ]}
          />
        </ChartCard>
      </div>

      <ChartCard
        title="Projects supported"
        description="Projects with a live grant, and those that used it, by month."
        csv={csv('projects_supported')}
      >
        <LineChart
          label="Projects supported by month"
          isWhole
          months={monthly(data.projects_supported).map((m) => m.month)}
          format={(value) => String(Math.round(value))}
          series={[
            {
              key: 'with_grant',
              label: 'With a grant',
              tone: 'committed',
              values: monthly(data.projects_supported).map((m) => m.with_grant),
            },
            { key: 'with_usage', label: 'Used it', tone: 'spent', values: monthly(data.projects_supported).map((m) => m.with_usage) },
          ]}
        />
      </ChartCard>
    </div>
  );
}
