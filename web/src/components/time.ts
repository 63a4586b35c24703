const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ['year', 365 * 86_400_000],
  ['month', 30 * 86_400_000],
  ['week', 7 * 86_400_000],
  ['day', 86_400_000],
  ['hour', 3_600_000],
  ['minute', 60_000],
];

const relative = new Intl.RelativeTimeFormat('en', { numeric: 'auto' });
const absolute = new Intl.DateTimeFormat('en', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' });
const dateOnly = new Intl.DateTimeFormat('en', { dateStyle: 'medium', timeZone: 'UTC' });

/** "3 minutes ago", "in 2 weeks", "just now": how long from `now` until `iso`. */
export function relativeTime(iso: string, now: number = Date.now()): string {
  const deltaMs = new Date(iso).getTime() - now;
  const size = Math.abs(deltaMs);
  if (size < 45_000) return 'just now';
  for (const [unit, unitMs] of UNITS) {
    if (size >= unitMs || unit === 'minute') return relative.format(Math.round(deltaMs / unitMs), unit);
  }
  return relative.format(Math.round(deltaMs / 60_000), 'minute');
}

/** The full UTC time, for tooltips and audit rows where exactness matters. */
export function absoluteTime(iso: string): string {
  return `${absolute.format(new Date(iso))} UTC`;
}

/** "2026-05-01 07:08:09": UTC to the second, compact and sortable, for logs. */
export function logTime(iso: string): string {
  return new Date(iso).toISOString().slice(0, 19).replace('T', ' ');
}

export function formatDate(iso: string): string {
  return dateOnly.format(new Date(iso));
}

/** Today (or `days` from today) as a UTC calendar date, YYYY-MM-DD, as date inputs and the API take it. */
export function isoDay(days = 0, now: number = Date.now()): string {
  return new Date(now + days * 86_400_000).toISOString().slice(0, 10);
}

/** Whole days from `from` to `to` (YYYY-MM-DD), negative when `to` is earlier. */
export function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);
}

/** A calendar date (YYYY-MM-DD) as "May 1, 2026"; the date is a day, not an instant, so no time zone shift. */
export function formatDay(day: string): string {
  return dateOnly.format(new Date(`${day}T00:00:00Z`));
}
