/** A node:test reporter that writes only the totals of leaf tests, so scripts/test.ts can add up its runs. */
type Event = { type: string; data: { details?: { type?: string } } };

export default async function* countReporter(source: AsyncIterable<Event>) {
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  for await (const event of source) {
    if (event.data?.details?.type === 'suite') continue;
    if (event.type === 'test:pass') {
      if ((event.data as { skip?: unknown; todo?: unknown }).skip || (event.data as { todo?: unknown }).todo) skipped++;
      else passed++;
    } else if (event.type === 'test:fail') failed++;
  }
  yield `${JSON.stringify({ passed, failed, skipped })}\n`;
}
