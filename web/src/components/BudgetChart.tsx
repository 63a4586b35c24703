import { formatCents, formatCentsShort } from './money.ts';

export type BudgetFigures = {
  currency: string;
  budget_cents: number;
  committed_cents: number;
  spent_cents: number;
  remaining_cents: number;
};

const RADIUS = 52;
const STROKE = 18;
const CIRCUMFERENCE = 2 * Math.PI * RADIUS;

function percent(part: number, whole: number): string {
  if (whole <= 0) return '—';
  const value = (part / whole) * 100;
  // Near the ends a rounded figure would lie ("100%" with money left): keep a decimal there.
  const isEdge = (value > 0 && value < 10) || (value > 90 && value < 100);
  return `${isEdge ? (Math.floor(value * 10) / 10).toFixed(1) : Math.round(value)}%`;
}

/**
 * The year's budget as a donut: spent, committed (what active grants may still spend) and remaining,
 * with a legend that carries the exact figures for people and screen readers. Past the budget (an
 * approved override) the ring is drawn against what is used and the overrun is named.
 */
export function BudgetDonut({ budget, title = 'Budget this fiscal year' }: { budget: BudgetFigures; title?: string }) {
  const used = budget.spent_cents + budget.committed_cents;
  const scale = Math.max(budget.budget_cents, used, 1);
  const remaining = Math.max(budget.remaining_cents, 0);
  const segments = [
    { key: 'spent', cents: budget.spent_cents },
    { key: 'committed', cents: budget.committed_cents },
    { key: 'remaining', cents: remaining },
  ];
  let offset = 0;
  const isOver = budget.remaining_cents < 0;
  const summary = `${title}: ${formatCents(budget.budget_cents, budget.currency)} budget, ${formatCents(budget.spent_cents, budget.currency)} spent, ${formatCents(budget.committed_cents, budget.currency)} committed, ${formatCents(budget.remaining_cents, budget.currency)} remaining.`;
  return (
    <div className="budget-chart">
      <svg viewBox="0 0 140 140" width="160" height="160" role="img" aria-label={summary}>
        <circle cx="70" cy="70" r={RADIUS} fill="none" stroke="var(--border-muted)" strokeWidth={STROKE} />
        {segments.map((segment) => {
          const length = (segment.cents / scale) * CIRCUMFERENCE;
          const dash = `${length} ${CIRCUMFERENCE - length}`;
          const circle =
            length > 0 ? (
              <circle
                key={segment.key}
                className={`budget-${segment.key}`}
                cx="70"
                cy="70"
                r={RADIUS}
                fill="none"
                strokeWidth={STROKE}
                strokeDasharray={dash}
                strokeDashoffset={-offset}
                transform="rotate(-90 70 70)"
              />
            ) : null;
          offset += length;
          return circle;
        })}
        <text x="70" y="66" textAnchor="middle" className="budget-center-value">
          {formatCentsShort(budget.remaining_cents, budget.currency)}
        </text>
        <text x="70" y="84" textAnchor="middle" className="budget-center-label">
          {isOver ? 'over budget' : 'remaining'}
        </text>
      </svg>
      <dl className="budget-legend">
        <div>
          <dt>Budget</dt>
          <dd>{formatCents(budget.budget_cents, budget.currency)}</dd>
        </div>
        <div>
          <dt>
            <span className="swatch budget-spent" aria-hidden="true" />
            Spent
          </dt>
          <dd>
            {formatCents(budget.spent_cents, budget.currency)}{' '}
            <span className="muted">{percent(budget.spent_cents, budget.budget_cents)}</span>
          </dd>
        </div>
        <div>
          <dt>
            <span className="swatch budget-committed" aria-hidden="true" />
            Committed
          </dt>
          <dd>
            {formatCents(budget.committed_cents, budget.currency)}{' '}
            <span className="muted">{percent(budget.committed_cents, budget.budget_cents)}</span>
          </dd>
        </div>
        <div>
          <dt>
            <span className="swatch budget-remaining" aria-hidden="true" />
            Remaining
          </dt>
          <dd className={isOver ? 'text-danger' : undefined}>
            {formatCents(budget.remaining_cents, budget.currency)}{' '}
            <span className="muted">{isOver ? 'after an override' : percent(budget.remaining_cents, budget.budget_cents)}</span>
          </dd>
        </div>
      </dl>
    </div>
  );
}

/**
 * A thin stacked bar of the budget: spent, committed, and optionally what one request would add
 * (`adding_cents`), against the yearly budget. For tables and the reviewer's evidence.
 */
export function BudgetBar({ budget, addingCents = 0, label }: { budget: BudgetFigures; addingCents?: number; label: string }) {
  const scale = Math.max(budget.budget_cents, budget.spent_cents + budget.committed_cents + addingCents, 1);
  const width = (cents: number) => `${Math.max((cents / scale) * 100, 0)}%`;
  const isOver = budget.remaining_cents - addingCents < 0;
  const summary = `${label}: ${formatCents(budget.spent_cents, budget.currency)} spent and ${formatCents(budget.committed_cents, budget.currency)} committed of ${formatCents(budget.budget_cents, budget.currency)}${addingCents > 0 ? `; this request adds ${formatCents(addingCents, budget.currency)}` : ''}.`;
  return (
    <div className="budget-bar" role="img" aria-label={summary} title={summary}>
      <span className="budget-spent" style={{ width: width(budget.spent_cents) }} />
      <span className="budget-committed" style={{ width: width(budget.committed_cents) }} />
      {addingCents > 0 ? (
        <span className={isOver ? 'budget-adding budget-adding-over' : 'budget-adding'} style={{ width: width(addingCents) }} />
      ) : null}
    </div>
  );
}
