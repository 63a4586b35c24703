import type { Schemas } from '@surplus/api-client';
import type { ReactNode } from 'react';
import { Link } from 'react-router';
import { Badge } from '../../components/Badge.tsx';
import { formatDate } from '../../components/time.ts';
import { type ChartPoint, chartGeometry } from './chart.ts';
import './insight.css';

export type UpstreamProject = Schemas['UpstreamProject'];
export type CoverageSummary = Schemas['CoverageSummary'];

export const percent = (share: number) => `${Math.round(share * 100)}%`;
export const compact = (count: number) => (count >= 1e6 ? count.toExponential(1) : count.toLocaleString('en-US'));

const COVERAGE: Record<string, { tone: 'green' | 'yellow' | 'gray'; label: string; title: string }> = {
  supported: { tone: 'green', label: 'Supported', title: 'A Surplus project with this repository has an active or expiring grant' },
  registered: { tone: 'yellow', label: 'Registered', title: 'A Surplus project with this repository exists, without a running grant' },
  unsupported: { tone: 'gray', label: 'Not supported', title: 'No Surplus project has this repository' },
};

export function CoverageBadge({ coverage }: { coverage: string }) {
  const entry = COVERAGE[coverage] ?? { tone: 'gray' as const, label: coverage, title: '' };
  return (
    <Badge tone={entry.tone} title={entry.title}>
      {entry.label}
    </Badge>
  );
}

/** The score's terms in one line, so a reader sees why a project ranks where it does. */
export function Terms({ project }: { project: Pick<UpstreamProject, 'terms'> }) {
  const { terms } = project;
  const parts = [
    `usage ${terms.usage}`,
    `proximity ${terms.proximity}`,
    `breadth ${terms.breadth}`,
    `reach ${terms.reach}`,
    ...(terms.signals > 0 ? [`signals ${terms.signals}`] : []),
    ...(terms.dev_factor !== 1 ? [`× ${terms.dev_factor} (dev only)`] : []),
  ];
  return (
    <span className="sc-terms" title="score = (usage + proximity + breadth + reach + signals) × dev factor">
      {parts.join(' · ')}
    </span>
  );
}

export function ProjectName({ project }: { project: Pick<UpstreamProject, 'id' | 'kind' | 'name' | 'key' | 'repository'> }) {
  return (
    <Link className="cell-title" to={`/supply-chain/projects/${project.id}`}>
      {project.kind === 'group' ? `${project.name} (group)` : (project.repository ?? project.key)}
    </Link>
  );
}

export function Stat({ label, value, sub }: { label: string; value: ReactNode; sub?: ReactNode }) {
  return (
    <div className="stat">
      <div className="stat-label">{label}</div>
      <div className="stat-value">{value}</div>
      {sub ? <div className="stat-sub">{sub}</div> : null}
    </div>
  );
}

export function CoverageStats({ summary }: { summary: CoverageSummary }) {
  return (
    <div className="sc-stats">
      <Stat label="Products scanned" value={summary.products} />
      <Stat
        label="Upstream projects"
        value={compact(summary.projects)}
        sub={`${compact(summary.with_repository)} with a known repository`}
      />
      <Stat
        label="Supported by the program"
        value={`${summary.supported} (${percent(summary.supported_share)})`}
        sub={`${percent(summary.supported_score_share)} of what the portfolio relies on, by score`}
      />
      <Stat
        label="Not supported"
        value={compact(summary.unsupported + summary.registered)}
        sub={`${summary.registered} registered without a grant`}
      />
    </div>
  );
}

/** Packages by depth: 1 is what the product asks for itself. */
export function DepthHistogram({ histogram }: { histogram: number[] }) {
  const most = Math.max(1, ...histogram);
  return (
    <ul className="sc-histogram" aria-label="Packages by depth">
      {histogram.map((count, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: the index is the depth
        <li className="sc-histogram-row" key={i}>
          <span className="small">{i === 0 ? 'direct' : `depth ${i + 1}`}</span>
          <div className="sc-histogram-bar" style={{ width: `${(count / most) * 100}%` }} />
          <span className="small num">{count.toLocaleString('en-US')}</span>
        </li>
      ))}
    </ul>
  );
}

const dayAndTime = new Intl.DateTimeFormat('en', { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', timeZone: 'UTC' });

const BOX = { width: 720, height: 220, left: 40, right: 16, top: 12, bottom: 28 };

/** Coverage over time: projects with a repository (dashed) and those supported (filled), as steps. */
export function CoverageChart({ history }: { history: (CoverageSummary & { at: string })[] }) {
  const points: ChartPoint[] = history.map((h) => ({ at: h.at, total: h.with_repository, supported: h.supported }));
  const geometry = chartGeometry(points, BOX);
  // Within two days the dates alone would repeat: say the time too.
  const times = points.map((p) => Date.parse(p.at));
  const isShort = Math.max(...times) - Math.min(...times) < 2 * 86_400_000;
  const tickLabel = (at: string) => (isShort ? `${dayAndTime.format(new Date(at))} UTC` : formatDate(at));
  const last = history.at(-1);
  const summary = last
    ? `Coverage over time: ${history.length} moments; now ${last.supported} of ${last.with_repository} upstream projects with a repository are supported.`
    : 'No coverage history yet.';
  return (
    <figure className="sc-figure">
      <svg className="sc-chart" viewBox={`0 0 ${BOX.width} ${BOX.height}`} role="img" aria-label={summary}>
        {geometry.yTicks.map((tick) => (
          <g key={tick.value}>
            <line className="sc-grid" x1={BOX.left} x2={BOX.width - BOX.right} y1={tick.y} y2={tick.y} />
            <text className="sc-axis" x={BOX.left - 6} y={tick.y + 4} textAnchor="end">
              {tick.value}
            </text>
          </g>
        ))}
        <path className="sc-area" d={geometry.areaPath} />
        <path className="sc-total" d={geometry.totalPath} />
        <path className="sc-supported" d={geometry.supportedPath} />
        {geometry.dots.map((dot) => (
          <circle key={dot.point.at} className="sc-dot" cx={dot.x} cy={dot.y} r={3}>
            <title>{`${tickLabel(dot.point.at)}: ${dot.point.supported} of ${dot.point.total} supported`}</title>
          </circle>
        ))}
        {geometry.xTicks.map((tick, i) => (
          <text
            key={`${tick.at}-${i === 0 ? 'first' : 'last'}`}
            className="sc-axis"
            x={tick.x}
            y={BOX.height - 8}
            textAnchor={i === 0 ? 'start' : 'end'}
          >
            {tickLabel(tick.at)}
          </text>
        ))}
      </svg>
      <figcaption className="sc-legend">
        <span>
          <span className="swatch sc-swatch-supported" />
          Supported
        </span>
        <span>
          <span className="swatch sc-swatch-total" />
          With a known repository
        </span>
      </figcaption>
    </figure>
  );
}
