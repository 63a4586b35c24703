/**
 * `surplus usage show|ingest` and `surplus report impact`: what projects use and what a program
 * achieved. Ingest streams the file in batches, so a file larger than the server's batch limit goes
 * through, each batch atomic and the whole idempotent by sample id.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { extname } from 'node:path';
import { createInterface } from 'node:readline';
import { ApiError, type Client, type Schemas, unwrap } from '@surplus/api-client';
import { type Command, InvalidArgumentError } from 'commander';
import { type Context, connect } from '../config.ts';
import { formatCents } from '../money.ts';
import { positiveInteger, usageError } from '../output.ts';
import { isoDate } from './requests.ts';

type UsageReport = Schemas['UsageReport'];
type TrafficFormat = 'csv' | 'ndjson';

const CONTENT_TYPES: Record<TrafficFormat, string> = { csv: 'text/csv', ndjson: 'application/x-ndjson' };
// Well under the server's 50 MB default, so a batch is never refused for its size.
const BATCH_BYTES = 16 * 1024 * 1024;

const UNIT_NAMES: Record<string, string> = { server_hour: 'server-hour', gb_out: 'GB out' };

function trafficFormat(value: string): TrafficFormat {
  if (value === 'csv') return 'csv';
  if (value === 'ndjson' || value === 'jsonl') return 'ndjson';
  throw new InvalidArgumentError('must be csv or jsonl');
}

function year(value: string): number {
  const number = Number(value);
  if (!/^\d{4}$/.test(value) || number < 2000 || number > 2100) throw new InvalidArgumentError('must be a year, e.g. 2026');
  return number;
}

/** By extension, else by the first character: a JSON line starts with "{". */
async function detectFormat(file: string): Promise<TrafficFormat> {
  const extension = extname(file).toLowerCase();
  if (extension === '.csv') return 'csv';
  if (extension === '.jsonl' || extension === '.ndjson') return 'ndjson';
  const stream = createReadStream(file, { start: 0, end: 255, encoding: 'utf8' });
  let head = '';
  for await (const chunk of stream) head += chunk;
  return head.trimStart().startsWith('{') ? 'ndjson' : 'csv';
}

type Batch = { lines: string[]; bytes: number; firstLine: number; hasSamples: boolean };
type IngestTotals = { batches: number; received: number; stored: number; duplicates: number };

const bar = (done: number, total: number, width = 30) => {
  const ratio = total > 0 ? Math.min(1, done / total) : 1;
  const filled = Math.round(ratio * width);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${Math.floor(ratio * 100)}%`;
};
const megabytes = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

/**
 * The server numbers lines within the batch it got; these are the file's numbers. A CSV batch after the
 * first starts with the file's header again, so its line 2 is the batch's first data line.
 */
function fileLine(batchLine: number, batch: Batch, format: TrafficFormat): number {
  if (format === 'csv') return batchLine === 1 ? 1 : batch.firstLine + batchLine - 2;
  return batch.firstLine + batchLine - 1;
}

function renumbered(error: ApiError, batch: Batch, format: TrafficFormat, file: string, storedBefore: number): ApiError {
  const fields = error.fields.map((field) => {
    const match = /^line (\d+)$/.exec(field.field);
    return match ? { field: `line ${fileLine(Number(match[1]), batch, format)}`, message: field.message } : field;
  });
  const lines = fields.filter((f) => f.field.startsWith('line ')).map((f) => f.field.slice(5));
  if (lines.length === 0) return error;
  const earlier =
    storedBefore > 0
      ? ` Batches before it went in (lines 1–${batch.firstLine - 1}); sending the corrected file again stores each sample once.`
      : ' Fix and send the file again.';
  const message = `${file}: ${lines.length} bad line${lines.length === 1 ? '' : 's'} (${lines.join(', ')}); nothing from lines ${batch.firstLine}–${batch.firstLine + batch.lines.length - 1} was stored.${earlier}`;
  return new ApiError(error.status, { error: { code: error.code, message, fields } }, error.requestId);
}

async function ingest(ctx: Context, client: Client, file: string, format: TrafficFormat, batchLines: number): Promise<IngestTotals> {
  const totalBytes = (await stat(file)).size;
  const showProgress = ctx.out.isProgressShown && totalBytes > BATCH_BYTES / 8;
  const totals: IngestTotals = { batches: 0, received: 0, stored: 0, duplicates: 0 };
  const stream = createReadStream(file);
  const lines = createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY });
  let header: string | null = null;
  let lineNumber = 0;
  let batch: Batch = { lines: [], bytes: 0, firstLine: 2, hasSamples: false };

  const send = async (current: Batch) => {
    if (!current.hasSamples) return;
    const text = `${[...(header === null ? [] : [header]), ...current.lines].join('\n')}\n`;
    try {
      const result = await unwrap(
        client.POST('/api/v1/usage/traffic', {
          body: text as unknown as never,
          bodySerializer: (value: unknown) => value as BodyInit,
          headers: { 'content-type': CONTENT_TYPES[format] },
        }),
      );
      totals.batches += 1;
      totals.received += result.received;
      totals.stored += result.stored;
      totals.duplicates += result.duplicates;
    } catch (error) {
      if (showProgress) ctx.out.progress('', true);
      throw error instanceof ApiError ? renumbered(error, current, format, file, totals.received) : error;
    }
    if (showProgress)
      ctx.out.progress(
        `${bar(stream.bytesRead, totalBytes)} ${megabytes(stream.bytesRead)} of ${megabytes(totalBytes)}, ${totals.received} samples`,
      );
  };

  try {
    for await (const line of lines) {
      lineNumber += 1;
      if (format === 'csv' && lineNumber === 1) {
        header = line;
        continue;
      }
      if (batch.lines.length === 0) batch.firstLine = lineNumber;
      // Blank lines stay in the batch: the server skips them but counts them, so numbers still match.
      batch.lines.push(line);
      batch.bytes += Buffer.byteLength(line) + 1;
      if (line.trim() !== '') batch.hasSamples = true;
      if (batch.lines.length >= batchLines || batch.bytes >= BATCH_BYTES) {
        await send(batch);
        batch = { lines: [], bytes: 0, firstLine: lineNumber + 1, hasSamples: false };
      }
    }
    await send(batch);
  } finally {
    lines.close();
    stream.destroy();
  }
  if (showProgress) ctx.out.progress(`${bar(1, 1)} ${megabytes(totalBytes)}, ${totals.received} samples`, true);
  if (totals.batches === 0) throw usageError(`${file} holds no samples`);
  return totals;
}

function showReport(ctx: Context, report: UsageReport, scope: string) {
  const currency = report.currency ?? 'USD';
  const { bold, dim } = ctx.out.colours;
  ctx.out.line(bold(`Usage of ${scope}, ${report.from} to ${report.to}`));
  ctx.out.line();
  ctx.out.table(
    report.lines,
    [
      { header: 'PLAN', value: (l) => l.plan ?? (l.type === 'traffic' ? '(project traffic)' : '-') },
      { header: 'METRO', value: (l) => l.metro ?? '-' },
      { header: 'UNIT', value: (l) => UNIT_NAMES[l.unit] ?? l.unit },
      { header: 'QUANTITY', value: (l) => (l.unit === 'server_hour' ? l.quantity.toFixed(4) : l.quantity.toFixed(3)) },
      { header: 'UNIT PRICE', value: (l) => formatCents(l.unit_price_cents, currency) },
      { header: 'TOTAL', value: (l) => formatCents(l.total_cents, currency), style: (text) => bold(text) },
    ],
    'No usage in this range.',
  );
  if (report.projects.length > 1) {
    ctx.out.line();
    ctx.out.table(
      report.projects,
      [
        { header: 'PROJECT', value: (p) => p.slug },
        { header: 'NAME', value: (p) => p.name },
        { header: 'TOTAL', value: (p) => formatCents(p.total_cents, currency) },
      ],
      '',
    );
  }
  ctx.out.line();
  ctx.out.line(`${bold('Total')}  ${formatCents(report.total_cents, currency)}${report.currency ? '' : dim(' (mixed currencies)')}`);
}

export function registerUsageCommands(program: Command, ctx: Context) {
  const usage = program.command('usage').description('what projects use: server time and traffic, priced; traffic ingest');

  usage
    .command('show')
    .description('usage of a project (members) or a program (staff) over a range of UTC days, by plan, metro and unit')
    .option('--project <project>', 'the project (slug or id)')
    .option('--program <program>', 'a whole program instead (staff), with per-project totals')
    .option('--from <date>', 'first day counted, YYYY-MM-DD (default: the first of this month)', isoDate)
    .option('--to <date>', 'last day counted, included (default: today)', isoDate)
    .option('--json', 'print the API’s UsageReport')
    .action(async (options: { project?: string; program?: string; from?: string; to?: string; json?: boolean }) => {
      if (!options.project === !options.program) throw usageError('give --project or --program (one of them)');
      if (options.from && options.to && options.to < options.from) throw usageError('--to must not be before --from');
      const { client } = await connect(ctx);
      const query = { from: options.from, to: options.to };
      const report = options.project
        ? await unwrap(client.GET('/api/v1/projects/{project}/usage', { params: { path: { project: options.project }, query } }))
        : await unwrap(client.GET('/api/v1/programs/{program}/usage', { params: { path: { program: options.program ?? '' }, query } }));
      if (options.json) return ctx.out.json(report);
      showReport(ctx, report, options.project ?? options.program ?? '');
    });

  usage
    .command('ingest')
    .description(
      'send traffic samples (CSV with a header, or JSON lines): id, server or project, time, bytes_in, bytes_out; in batches, each atomic, idempotent by id',
    )
    .argument('<file>', 'the samples file (.csv, .jsonl or .ndjson)')
    .option('--format <format>', 'csv or jsonl (default: by extension, else by content)', trafficFormat)
    .option('--batch-lines <n>', 'samples per request', positiveInteger, 100_000)
    .option('--json', 'print { file, format, batches, received, stored, duplicates }')
    .action(async (file: string, options: { format?: TrafficFormat; batchLines: number; json?: boolean }) => {
      try {
        await stat(file);
      } catch (error) {
        throw usageError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
      }
      const format = options.format ?? (await detectFormat(file));
      const { client } = await connect(ctx);
      const totals = await ingest(ctx, client, file, format, options.batchLines);
      if (options.json) return ctx.out.json({ file, format: format === 'csv' ? 'csv' : 'jsonl', ...totals });
      ctx.out.line(
        `${file}: ${totals.received} sample${totals.received === 1 ? '' : 's'} in ${totals.batches} batch${totals.batches === 1 ? '' : 'es'}: ` +
          `${totals.stored} stored, ${totals.duplicates} already there`,
      );
    });

  const report = program.command('report').description('program reports');
  report
    .command('impact')
    .description('the yearly impact report of a program: projects, server hours, value donated, traffic, stories')
    .requiredOption('--program <program>', 'the program (slug or id)')
    .option('--year <year>', 'the calendar year the fiscal year starts in (default: the current one)', year)
    .option('--json', 'print the API’s ImpactReport')
    .action(async (options: { program: string; year?: number; json?: boolean }) => {
      const { client } = await connect(ctx);
      const impact = await unwrap(
        client.GET('/api/v1/programs/{program}/impact', { params: { path: { program: options.program }, query: { year: options.year } } }),
      );
      if (options.json) return ctx.out.json(impact);
      const { bold } = ctx.out.colours;
      const currency = impact.program.currency;
      ctx.out.line(bold(`${impact.program.name}: impact ${impact.fiscal_year.starts_on} to ${impact.fiscal_year.ends_on}`));
      ctx.out.fields([
        ['Projects supported', String(impact.projects_supported)],
        ['Server hours', impact.server_hours.toLocaleString('en-US')],
        ['Value donated', formatCents(impact.value_donated_cents, currency)],
        ['Traffic served', `${impact.traffic.tb_out} TB out`],
        ['Published stories', String(impact.published_stories.count)],
      ]);
      ctx.out.line();
      ctx.out.table(
        impact.projects,
        [
          { header: 'PROJECT', value: (p) => p.slug },
          { header: 'NAME', value: (p) => p.name },
          { header: 'SERVER HOURS', value: (p) => p.server_hours.toFixed(2) },
          { header: 'VALUE', value: (p) => formatCents(p.value_cents, currency) },
          { header: 'BYTES OUT', value: (p) => p.bytes_out },
        ],
        'No project used servers this year.',
      );
      for (const story of impact.published_stories.items)
        ctx.out.line(`story: ${story.title} (${story.project.slug}, ${story.published_at.slice(0, 10)})`);
    });
}
