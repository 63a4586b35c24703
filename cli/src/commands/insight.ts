/**
 * `surplus deps upload` and `surplus deps projects`: the server side of dependency scanning. The file
 * goes to Surplus, which scans it for a product and keeps it in the product's history; the projects
 * list is ranked across every product, with whether the program supports each.
 */
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { type Schemas, unwrap } from '@surplus/api-client';
import type { Command } from 'commander';
import { type Context, connect } from '../config.ts';
import { positiveInteger, usageError } from '../output.ts';

type UpstreamProject = Schemas['UpstreamProject'];

async function readBytes(ctx: Context, file: string): Promise<Buffer> {
  try {
    return file === '-' ? Buffer.from(await ctx.readStdin(), 'utf8') : await readFile(file);
  } catch (error) {
    throw usageError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}

const plural = (count: number, noun: string) => `${count} ${noun}${count === 1 ? '' : 's'}`;
const compact = (count: number) => (count >= 1e6 ? count.toExponential(1) : String(count));
const percent = (share: number) => `${Math.round(share * 100)}%`;

export function registerInsightCommands(deps: Command, ctx: Context) {
  deps
    .command('upload')
    .description(
      'send a lock file or SBOM to Surplus for a product: scanned there and kept in the product’s history (admins, program leads)',
    )
    .argument('<file>', 'the lock file or SBOM (formats as for `deps scan`); - for stdin with --name')
    .requiredOption('--product <product>', 'the product (slug or id)')
    .option('--with <manifest>', 'the manifest beside it, where the lock file cannot tell what is direct')
    .option('--name <name>', 'the file name Surplus records and detects the format by (default: the file’s own)')
    .option('--json', 'print the API’s Upload object')
    .action(async (file: string, options: { product: string; with?: string; name?: string; json?: boolean }) => {
      if (file === '-' && !options.name) throw usageError('give --name when the file comes from stdin');
      const name = options.name ?? basename(file);
      const bytes = await readBytes(ctx, file);
      const { client } = await connect(ctx);
      const path = { product: options.product };
      let body: BodyInit;
      let headers: Record<string, string> = {};
      if (options.with) {
        // The companion goes with the file as multipart/form-data; fetch writes the boundary.
        const form = new FormData();
        form.append('file', new Blob([new Uint8Array(bytes)]), name);
        form.append('companion', new Blob([new Uint8Array(await readBytes(ctx, options.with))]), basename(options.with));
        body = form;
      } else {
        body = new Blob([new Uint8Array(bytes)]);
        headers = { 'content-type': 'application/octet-stream' };
      }
      const upload = await unwrap(
        client.POST('/api/v1/products/{product}/uploads', {
          params: { path, query: { name } },
          // The document types a binary body as a string; the bytes go as they are.
          body: body as unknown as string,
          bodySerializer: (value: unknown) => value as BodyInit,
          headers,
        }),
      );
      if (options.json) return ctx.out.json(upload);
      const { bold } = ctx.out.colours;
      ctx.out.line(
        bold(
          `${upload.file_name}: ${upload.format}${upload.format_version ? ` ${upload.format_version}` : ''} uploaded to ${options.product}`,
        ),
      );
      ctx.out.line(
        `${upload.packages} packages, ${upload.direct === null ? 'direct ones unknown (see the notes)' : `${upload.direct} direct`}, ` +
          `${plural(upload.upstream_projects, 'upstream project')}${upload.companion_name ? ` (with ${upload.companion_name})` : ''}`,
      );
      ctx.out.line(`upload ${upload.id}, ${upload.size_bytes} bytes, sha256 ${upload.sha256}`);
      for (const note of upload.notes) ctx.out.note(`note: ${note}`);
    });

  deps
    .command('projects')
    .description('the upstream projects your products depend on, ranked across the portfolio, with what the program supports')
    .option('--unsupported', 'only those no grant supports')
    .option('--product <product>', 'only those this product (slug or id) depends on')
    .option('--limit <n>', 'how many to list', positiveInteger, 30)
    .option('--json', 'print the API’s answer: { summary, total, items } with every term of each score')
    .action(async (options: { unsupported?: boolean; product?: string; limit: number; json?: boolean }) => {
      const { client } = await connect(ctx);
      const list = await unwrap(
        client.GET('/api/v1/insight/projects', {
          params: {
            query: { coverage: options.unsupported ? 'registered,unsupported' : undefined, product: options.product, limit: options.limit },
          },
        }),
      );
      if (options.json) return ctx.out.json(list);
      const { summary } = list;
      const { bold, dim, green } = ctx.out.colours;
      ctx.out.line(
        `${plural(summary.products, 'product')}, ${plural(summary.projects, 'upstream project')} (${summary.with_repository} with a known repository): ` +
          `${summary.supported} supported (${percent(summary.supported_share)}, ${percent(summary.supported_score_share)} by score), ` +
          `${summary.registered} registered without a grant, ${summary.unsupported} unsupported`,
      );
      ctx.out.line();
      ctx.out.table<UpstreamProject>(
        list.items,
        [
          { header: 'RANK', value: (p) => String(p.rank) },
          {
            header: 'UPSTREAM PROJECT',
            value: (p) => (p.kind === 'group' ? `${p.name} (group)` : (p.repository ?? p.key)),
            style: (text, p) => (p.repositories.length ? bold(text) : dim(text)),
          },
          { header: 'PRODUCTS', value: (p) => String(p.products.length) },
          { header: 'PACKAGES', value: (p) => String(p.packages) },
          { header: 'DEPTH', value: (p) => String(p.min_depth) },
          { header: 'PATHS', value: (p) => compact(p.paths) },
          { header: 'SCORE', value: (p) => p.score.toFixed(2) + (p.dev_only ? ' dev' : '') },
          { header: 'COVERAGE', value: (p) => p.coverage, style: (text, p) => (p.coverage === 'supported' ? green(text) : text) },
        ],
        options.unsupported ? 'Every upstream project is supported.' : 'No uploads yet: `surplus deps upload FILE --product P`.',
      );
      if (list.total > list.items.length)
        ctx.out.note(dim(`(${list.items.length} of ${list.total}; --limit N for more, --json for every term)`));
    });
}
