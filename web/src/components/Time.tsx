import { absoluteTime, formatDate, logTime, relativeTime } from './time.ts';

const FORMATS = { relative: relativeTime, absolute: absoluteTime, date: formatDate, log: logTime } as const;

/** A time shown relative ("2 hours ago") with the exact UTC time on hover and for machines. */
export function Time({ iso, format = 'relative' }: { iso: string; format?: keyof typeof FORMATS }) {
  const text = FORMATS[format](iso);
  return (
    <time dateTime={iso} title={absoluteTime(iso)} className="nowrap">
      {text}
    </time>
  );
}
