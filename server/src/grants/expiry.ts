import { addDays, daysBetween } from './budget.ts';

/** Owners hear about a grant's end this many days before it, once each. */
export const NOTICE_DAYS = [30, 7, 1] as const;

/** A grant in this window before its end is `expiring`. */
export const EXPIRING_WITHIN_DAYS = 30;

export type GrantDates = { ends_on: string | null; review_on: string | null };

/**
 * The day a grant's servers are last usable. An ongoing grant has no end date: its review date is
 * when it lapses unless an approved extension moves it.
 */
export function lastDayOf(grant: GrantDates): string {
  const day = grant.ends_on ?? grant.review_on;
  // The grants table refuses rows with neither.
  if (!day) throw new Error('grant has neither an end nor a review date');
  return day;
}

/**
 * Which notices are due with `daysLeft` days to go, given those already sent. A grant that enters
 * the window late (approved with 5 days to go, or after the job missed days) gets the tightest due
 * notice only; the wider ones are recorded with it, so nobody gets three emails at once.
 */
export function noticesDue(daysLeft: number, sent: readonly number[]): { send: number | null; record: number[] } {
  if (daysLeft < 0) return { send: null, record: [] };
  const due = NOTICE_DAYS.filter((days) => daysLeft <= days && !sent.includes(days));
  if (due.length === 0) return { send: null, record: [] };
  return { send: Math.min(...due), record: due };
}

/** The state the calendar says a live grant is in; revoked and expired grants stay as they are. */
export function calendarStateOf(daysLeft: number): 'active' | 'expiring' | 'expired' {
  if (daysLeft < 0) return 'expired';
  return daysLeft <= EXPIRING_WITHIN_DAYS ? 'expiring' : 'active';
}

export function daysLeftOf(grant: GrantDates, today: string): number {
  return daysBetween(today, lastDayOf(grant));
}

/** Staff may end a grant no earlier than this; only an admin's revocation for abuse ends one sooner. */
export function earliestEndOn(today: string, minNoticeDays: number): string {
  return addDays(today, minNoticeDays);
}
