/**
 * The yearly impact report of a program: figures, projects and published stories, laid out to print
 * (Print hides the navigation and buttons; see reports.css @media print). The JSON is one link away.
 */
import { ApiError, type Schemas, unwrap } from '@surplus/api-client';
import { Link, useParams, useSearchParams } from 'react-router';
import { ErrorBanner } from '../../components/Banner.tsx';
import { Button, ButtonAnchor } from '../../components/Button.tsx';
import { Card } from '../../components/Card.tsx';
import { EmptyState } from '../../components/EmptyState.tsx';
import { Skeleton } from '../../components/Loading.tsx';
import { formatCents } from '../../components/money.ts';
import { formatDay } from '../../components/time.ts';
import { useResource } from '../../hooks/use-resource.ts';
import { useSession } from '../../session.tsx';
import { useProgram } from '../programs/ProgramLayout.tsx';
import '../../reports.css';

type Impact = Schemas['ImpactReport'];

/** Bytes as a decimal string (they can pass 2^53) shown in SI units. */
function formatBytes(bytes: string): string {
  const value = Number(bytes);
  const units = ['B', 'kB', 'MB', 'GB', 'TB', 'PB'];
  let index = 0;
  let size = value;
  while (size >= 1000 && index < units.length - 1) {
    size /= 1000;
    index += 1;
  }
  return `${size.toFixed(index === 0 ? 0 : 1)} ${units[index]}`;
}

export function ImpactReportView({ report }: { report: Impact }) {
  const currency = report.program.currency;
  return (
    <article className="impact-report stack-lg" data-testid="impact-report">
      <div>
        <h1>
          {report.program.name}: impact {report.fiscal_year.starts_on.slice(0, 4)}
        </h1>
        <p className="muted">
          Fiscal year {formatDay(report.fiscal_year.starts_on)} – {formatDay(report.fiscal_year.ends_on)}
        </p>
      </div>
      <div className="report-figures">
        <div className="stat">
          <div className="stat-label">Projects supported</div>
          <div className="stat-value">{report.projects_supported}</div>
        </div>
        <div className="stat">
          <div className="stat-label">Server hours</div>
          <div className="stat-value">{report.server_hours.toLocaleString('en-US')}</div>
        </div>
        <div className="stat">
          <div className="stat-label">Value donated</div>
          <div className="stat-value">{formatCents(report.value_donated_cents, currency)}</div>
          <div className="stat-sub">at list prices</div>
        </div>
        <div className="stat">
          <div className="stat-label">Traffic served</div>
          <div className="stat-value">{report.traffic.tb_out.toLocaleString('en-US')} TB</div>
          <div className="stat-sub">out; {formatBytes(report.traffic.bytes_in)} in</div>
        </div>
        <div className="stat">
          <div className="stat-label">Published stories</div>
          <div className="stat-value">{report.published_stories.count}</div>
        </div>
      </div>
      <Card title="Projects" isFlush>
        {report.projects.length === 0 ? (
          <p className="card-body muted">No project used servers or traffic this year.</p>
        ) : (
          <table className="report-table">
            <thead>
              <tr>
                <th>Project</th>
                <th className="num">Server hours</th>
                <th className="num">Value</th>
                <th className="num">Traffic out</th>
              </tr>
            </thead>
            <tbody>
              {report.projects.map((project) => (
                <tr key={project.slug}>
                  <td>
                    {project.name} <span className="muted mono">{project.slug}</span>
                  </td>
                  <td className="num">{project.server_hours.toLocaleString('en-US')}</td>
                  <td className="num">{formatCents(project.value_cents, currency)}</td>
                  <td className="num">{formatBytes(project.bytes_out)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Card>
      {report.published_stories.items.length > 0 ? (
        <Card title="Stories">
          <ul className="card-body">
            {report.published_stories.items.map((story) => (
              <li key={story.id}>
                <strong>{story.title}</strong> — {story.project.name}, {formatDay(story.published_at.slice(0, 10))}
              </li>
            ))}
          </ul>
        </Card>
      ) : null}
    </article>
  );
}

export function ProgramImpact() {
  const { program } = useProgram();
  const { client } = useSession();
  const [params, setParams] = useSearchParams();
  const year = params.get('year') ? Number(params.get('year')) : undefined;
  const resource = useResource(`impact:${program.id}:${year ?? ''}`, () =>
    unwrap(client.GET('/api/v1/programs/{program}/impact', { params: { path: { program: program.slug }, query: { year } } })),
  );
  const thisYear = new Date().getUTCFullYear();
  const query = year ? `?year=${year}` : '';
  return (
    <div className="stack-lg">
      <div className="report-toolbar no-print">
        <label className="inline-field">
          Fiscal year starting in{' '}
          <select
            className="select"
            aria-label="Fiscal year"
            value={year ?? resource.data?.fiscal_year.starts_on.slice(0, 4) ?? ''}
            onChange={(event) => setParams({ year: event.target.value })}
          >
            {Array.from({ length: 5 }, (_, i) => thisYear + 1 - i).map((y) => (
              <option key={y} value={y}>
                {y}
              </option>
            ))}
          </select>
        </label>
        <span className="meta-row">
          {program.is_public ? <Link to={`/impact/${program.slug}${query}`}>Public page</Link> : null}
          <ButtonAnchor size="sm" href={`/api/v1/programs/${program.slug}/impact${query}`}>
            JSON
          </ButtonAnchor>
          <Button size="sm" variant="primary" onClick={() => window.print()}>
            Print
          </Button>
        </span>
      </div>
      {resource.error ? <ErrorBanner error={resource.error} onRetry={resource.reload} /> : null}
      {resource.data ? <ImpactReportView report={resource.data} /> : resource.error ? null : <Skeleton height={240} />}
    </div>
  );
}

/** The transparency page: the same report, signed out, for programs whose policy makes it public. */
export function PublicImpact() {
  const { program = '' } = useParams();
  const { client } = useSession();
  const [params] = useSearchParams();
  const year = params.get('year') ? Number(params.get('year')) : undefined;
  const resource = useResource(`public-impact:${program}:${year ?? ''}`, () =>
    unwrap(client.GET('/api/v1/programs/{program}/impact', { params: { path: { program }, query: { year } } })),
  );
  if (
    resource.error instanceof ApiError &&
    (resource.error.status === 404 || resource.error.status === 403 || resource.error.status === 401)
  )
    return (
      <EmptyState icon="globe" title="No public impact report">
        This program does not publish its impact report.
      </EmptyState>
    );
  if (resource.error) return <ErrorBanner error={resource.error} onRetry={resource.reload} />;
  if (!resource.data) return <Skeleton height={240} />;
  return (
    <div className="stack-lg">
      <div className="report-toolbar no-print">
        <span />
        <Button size="sm" onClick={() => window.print()}>
          Print
        </Button>
      </div>
      <ImpactReportView report={resource.data} />
    </div>
  );
}
