/**
 * Budget arithmetic for a program's fiscal year. All money is integer cents; dates are 'YYYY-MM-DD'
 * UTC calendar days. Kept pure so property tests can hammer it.
 */
export type FiscalYear = { startsOn: string; endsOn: string };

export function fiscalYearOf(day: string, startMonth: number): FiscalYear {
  const [year, month] = day.split('-').map(Number) as [number, number];
  const startYear = month >= startMonth ? year : year - 1;
  const startsOn = `${startYear}-${String(startMonth).padStart(2, '0')}-01`;
  const endsOn = addDays(`${startYear + 1}-${String(startMonth).padStart(2, '0')}-01`, -1);
  return { startsOn, endsOn };
}

export function addDays(day: string, days: number): string {
  const date = new Date(`${day}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() + days);
  return date.toISOString().slice(0, 10);
}

export function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);
}

export type CommittedGrant = { monthlyCreditCents: number; startsOn: string; endsOn: string | null; reviewOn: string | null };

/**
 * What a grant may still spend from `today` to the end of the fiscal year (or its own end, if
 * sooner): its monthly credit pro rata per day, rounded up so the commitment never understates.
 */
export function committedCents(grant: CommittedGrant, today: string, year: FiscalYear): number {
  const from = [today, grant.startsOn, year.startsOn].sort().at(-1) as string;
  const grantEnd = grant.endsOn ?? year.endsOn;
  const to = [grantEnd, year.endsOn].sort()[0] as string;
  const days = daysBetween(from, to) + 1;
  if (days <= 0) return 0;
  // 365/12 days make a month on average; exact integer arithmetic: credit × days × 12 / 365.
  return Math.ceil((grant.monthlyCreditCents * days * 12) / 365);
}

export type BudgetFigures = { budgetCents: number; committedCents: number; spentCents: number; remainingCents: number };

export function budgetFigures(
  budgetCents: number,
  grants: CommittedGrant[],
  spentCents: number,
  today: string,
  year: FiscalYear,
): BudgetFigures {
  const committed = grants.reduce((sum, grant) => sum + committedCents(grant, today, year), 0);
  return { budgetCents, committedCents: committed, spentCents, remainingCents: budgetCents - committed - spentCents };
}

/**
 * What approving a grant adds to the program's commitment: its own commitment, less what the grant
 * it replaces (an extension's current terms) still commits. Negative when new terms ask for less.
 */
export function additionalCommitmentCents(before: CommittedGrant | null, after: CommittedGrant, today: string, year: FiscalYear): number {
  return committedCents(after, today, year) - (before ? committedCents(before, today, year) : 0);
}

export type OverrideRequest = { reason: string | null | undefined; isAdmin: boolean };

export type ApprovalDecision =
  | { outcome: 'within_budget'; neededCents: number; remainingAfterCents: number }
  | { outcome: 'override'; neededCents: number; remainingAfterCents: number; reason: string }
  | { outcome: 'refused'; missing: 'admin' | 'reason'; neededCents: number; remainingCents: number };

/**
 * Whether a grant committing `neededCents` more may be approved. Within the remaining budget it
 * may; beyond it only an admin who writes a reason may, and that recorded override is the only way
 * the remaining budget goes below zero. A grant that adds nothing (needed ≤ 0) never needs one, even
 * when an earlier override already left the budget negative.
 */
export function decideApproval(budget: BudgetFigures, neededCents: number, override: OverrideRequest | null): ApprovalDecision {
  if (neededCents <= 0 || neededCents <= budget.remainingCents) {
    return { outcome: 'within_budget', neededCents, remainingAfterCents: budget.remainingCents - Math.max(neededCents, 0) };
  }
  if (!override?.isAdmin) return { outcome: 'refused', missing: 'admin', neededCents, remainingCents: budget.remainingCents };
  const reason = override.reason?.trim();
  if (!reason) return { outcome: 'refused', missing: 'reason', neededCents, remainingCents: budget.remainingCents };
  return { outcome: 'override', neededCents, remainingAfterCents: budget.remainingCents - neededCents, reason };
}

/** Money for people: "$1,095.00" for 109500 cents in USD. Figures in the API stay integer cents. */
export function formatCents(cents: number, currency: string): string {
  return new Intl.NumberFormat('en-US', { style: 'currency', currency }).format(cents / 100);
}
