/**
 * Hand-drawn SVG charts for reports, in the budget charts' colours: a month line chart (budget,
 * committed, spent, forecast; machines; days) and a bar list of shares. Each carries its figures in an
 * aria-label and a visually plain legend, so the numbers are there without the picture.
 */
import type { ReactNode } from 'react';

export type LineSeries = {
  key: string;
  label: string;
  /** One value per month; null where the series has no value (a month still to come). */
  values: (number | null)[];
  tone: 'spent' | 'committed' | 'budget' | 'forecast' | 'available' | 'other';
  isDashed?: boolean;
};

const PAD = { top: 12, right: 16, bottom: 28, left: 64 };

const monthLabel = (month: string) =>
  new Date(`${month.slice(0, 7)}-01T00:00:00Z`).toLocaleString('en-US', { month: 'short', timeZone: 'UTC' });

/** A "nice" number at or above `value`: 1, 2 or 5 times a power of ten. */
function niceAbove(value: number): number {
  if (value <= 0) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 5, 10]) if (step * power >= value) return step * power;
  return 10 * power;
}

/** Four gridline steps of a nice size covering the largest value; whole steps for counts. */
export function axisTicks(largest: number, isWhole: boolean): number[] {
  const step = Math.max(niceAbove(Math.max(largest, 0) / 4), isWhole ? 1 : 0);
  const count = Math.max(1, Math.ceil(largest / step));
  return Array.from({ length: count + 1 }, (_, i) => i * step);
}

export function LineChart({
  label,
  months,
  series,
  format,
  isWhole = false,
  isCompact = false,
}: {
  label: string;
  months: string[];
  series: LineSeries[];
  format: (value: number) => string;
  /** Counts: gridlines at whole numbers. */
  isWhole?: boolean;
  /** For a half-width card: a narrower drawing, so its labels keep their size. */
  isCompact?: boolean;
}) {
  const WIDTH = isCompact ? 360 : 640;
  const HEIGHT = isCompact ? 200 : 220;
  const values = series.flatMap((s) => s.values.filter((v): v is number => v !== null));
  const ticks = axisTicks(Math.max(0, ...values), isWhole);
  const top = ticks.at(-1) ?? 1;
  const innerWidth = WIDTH - PAD.left - PAD.right;
  const innerHeight = HEIGHT - PAD.top - PAD.bottom;
  const x = (index: number) => PAD.left + (months.length <= 1 ? innerWidth / 2 : (index / (months.length - 1)) * innerWidth);
  const y = (value: number) => PAD.top + innerHeight - (value / top) * innerHeight;
  const summary = `${label}. ${series
    .map((s) => `${s.label}: ${s.values.map((v, i) => `${monthLabel(months[i] ?? '')} ${v === null ? '–' : format(v)}`).join(', ')}`)
    .join('. ')}`;

  return (
    <figure className="report-chart">
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-label={summary} preserveAspectRatio="xMidYMid meet">
        {ticks.map((tick) => (
          <g key={tick}>
            <line className="report-grid" x1={PAD.left} x2={WIDTH - PAD.right} y1={y(tick)} y2={y(tick)} />
            <text className="report-axis" x={PAD.left - 8} y={y(tick) + 4} textAnchor="end">
              {format(tick)}
            </text>
          </g>
        ))}
        {months.map((month, index) =>
          // A compact chart labels every other month, so the names never collide.
          isCompact && index % 2 === 1 ? null : (
            <text key={month} className="report-axis" x={x(index)} y={HEIGHT - 8} textAnchor="middle">
              {monthLabel(month)}
            </text>
          ),
        )}
        {series.map((s) => {
          // Break the line where a value is missing rather than drawing it down to zero.
          let path = '';
          let isDrawing = false;
          s.values.forEach((value, index) => {
            if (value === null) {
              isDrawing = false;
              return;
            }
            path += `${isDrawing ? 'L' : 'M'}${x(index).toFixed(1)},${y(value).toFixed(1)} `;
            isDrawing = true;
          });
          return (
            <g key={s.key} className={`report-line report-${s.tone}`} data-series={s.key}>
              <path d={path.trim()} fill="none" strokeDasharray={s.isDashed ? '6 4' : undefined} />
              {s.values.map((value, index) =>
                value === null ? null : (
                  <circle key={months[index]} cx={x(index)} cy={y(value)} r={2.5}>
                    <title>{`${s.label}, ${monthLabel(months[index] ?? '')}: ${format(value)}`}</title>
                  </circle>
                ),
              )}
            </g>
          );
        })}
      </svg>
      <figcaption className="report-legend">
        {series.map((s) => (
          <span key={s.key}>
            <span className={`swatch report-${s.tone}${s.isDashed ? ' report-dashed' : ''}`} aria-hidden="true" />
            {s.label}
          </span>
        ))}
      </figcaption>
    </figure>
  );
}

export type Share = { key: string; label: string; value: number; note?: string };

/** Horizontal bars, largest first, each with its figure and share. */
export function BarList({
  label,
  shares,
  format,
  empty,
}: {
  label: string;
  shares: Share[];
  format: (value: number) => string;
  empty: ReactNode;
}) {
  if (shares.length === 0) return <p className="muted">{empty}</p>;
  const top = Math.max(...shares.map((s) => s.value), 1);
  return (
    <ul className="report-bars" aria-label={label}>
      {shares.map((share) => (
        <li key={share.key}>
          <span className="report-bar-label" title={share.key}>
            {share.label}
          </span>
          <span className="report-bar-track" aria-hidden="true">
            <span className="report-bar budget-spent" style={{ width: `${(share.value / top) * 100}%` }} />
          </span>
          <span className="report-bar-value">
            {format(share.value)}
            {share.note ? <span className="muted"> {share.note}</span> : null}
          </span>
        </li>
      ))}
    </ul>
  );
}
