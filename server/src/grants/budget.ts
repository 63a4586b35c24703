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
