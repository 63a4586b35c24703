/**
 * A node:test reporter that writes the totals of leaf tests, and each failure's name, file and the
 * first lines of its error, so scripts/test.ts can add up its runs and repeat the failures at the end
 * of its output (where CI's tail shows them).
 */
type Event = {
  type: string;
  data: { name?: string; file?: string; details?: { type?: string; error?: unknown }; skip?: unknown; todo?: unknown };
};

const MAX_LINES = 40;

function describeError(error: unknown): string {
  if (!error) return '';
  const cause = (error as { cause?: unknown }).cause ?? error;
  const text = cause instanceof Error ? (cause.stack ?? cause.message) : String(cause);
  // Node's own frames say nothing about the failure.
  const lines = text.split('\n').filter((line) => !/^\s+at .*\(node:/.test(line) && !/^\s+at node:/.test(line));
  return lines.slice(0, MAX_LINES).join('\n') + (lines.length > MAX_LINES ? `\n… ${lines.length - MAX_LINES} more line(s)` : '');
}

export default async function* countReporter(source: AsyncIterable<Event>) {
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  const failures: { name: string; file: string; error: string }[] = [];
  for await (const event of source) {
    if (event.data?.details?.type === 'suite') continue;
    if (event.type === 'test:pass') {
      if (event.data.skip || event.data.todo) skipped++;
      else passed++;
    } else if (event.type === 'test:fail') {
      failed++;
      failures.push({ name: event.data.name ?? '', file: event.data.file ?? '', error: describeError(event.data.details?.error) });
    }
  }
  yield `${JSON.stringify({ passed, failed, skipped, failures })}\n`;
}
