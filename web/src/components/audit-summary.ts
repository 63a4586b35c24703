import { absoluteTime } from './time.ts';

const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

export type SummaryEntry = { key: string; value: string };

function describe(value: unknown): string {
  if (value === null || value === undefined || value === '') return '—';
  if (Array.isArray(value)) return value.length ? value.map(describe).join(', ') : 'none';
  if (typeof value === 'object') {
    const record = value as Record<string, unknown>;
    if ('from' in record && 'to' in record) return `${describe(record.from)} → ${describe(record.to)}`;
    if (record.changed === true && Object.keys(record).length === 1) return 'changed';
    return Object.entries(record)
      .map(([key, inner]) => `${key}: ${describe(inner)}`)
      .join(', ');
  }
  if (typeof value === 'string' && ISO_TIME.test(value)) return absoluteTime(value);
  return String(value);
}

function isEmpty(value: unknown) {
  return value === null || value === undefined || value === '' || (Array.isArray(value) && value.length === 0);
}

/**
 * Turns an audit event's summary (a JSON object of what changed) into readable "key: value" pairs:
 * changes read "old → new" (with a dash for an empty side), lists read comma-separated, and keys
 * with nothing in them are left out.
 */
export function summarize(summary: Record<string, unknown>): SummaryEntry[] {
  return Object.entries(summary)
    .filter(([, value]) => !isEmpty(value))
    .map(([key, value]) => ({ key: key.replaceAll('_', ' '), value: describe(value) }));
}
