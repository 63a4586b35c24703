import { absoluteTime, formatDate, relativeTime } from './time.ts';

/** A time shown relative ("2 hours ago") with the exact UTC time on hover and for machines. */
export function Time({ iso, format = 'relative' }: { iso: string; format?: 'relative' | 'absolute' | 'date' }) {
  const text = format === 'relative' ? relativeTime(iso) : format === 'date' ? formatDate(iso) : absoluteTime(iso);
  return (
    <time dateTime={iso} title={absoluteTime(iso)} className="nowrap">
      {text}
    </time>
  );
}
