/**
 * `surplus deps scan FILE`: the offline dependency scanner. No server, no configuration: the file
 * (and its manifest, `--with`) is read and scanned on this machine by @surplus/deps.
 */
import { readFile } from 'node:fs/promises';
import { normalizePurl, ParseError, type ScanResult, scan, UnrecognizedFormatError, type UpstreamProject } from '@surplus/deps';
import type { Command } from 'commander';
import type { Context } from '../config.ts';
import { CliError, EXIT, notFoundError, positiveInteger, usageError } from '../output.ts';
import { registerInsightCommands } from './insight.ts';

type ScanOptions = { with?: string; json?: boolean; top: number; why?: string };

async function readInput(ctx: Context, file: string): Promise<Buffer> {
  try {
    return file === '-' ? Buffer.from(await ctx.readStdin(), 'utf8') : await readFile(file);
  } catch (error) {
    throw usageError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}

function runScan(bytes: Buffer, file: string, companion?: { bytes: Buffer; name: string }): ScanResult {
  try {
    return scan(bytes, file, companion);
  } catch (error) {
    // Malformed: exit 1 with "<format>: <reason> at line:col"; not a format we read: bad usage, exit 2.
    if (error instanceof ParseError) throw new CliError(error.code, error.message, EXIT.error);
    if (error instanceof UnrecognizedFormatError) throw new CliError(error.code, error.message, EXIT.usage);
    throw error;
  }
}

/** The packages `--why` names: a purl (in any spelling), or a package name matching one or more versions. */
function whyTargets(result: ScanResult, query: string): string[] {
  const purl = normalizePurl(query);
  if (purl && result.graph.component(purl)) return [purl];
  const matches = result.graph.components.filter((c) => c.name === query || (c.namespace ? `${c.namespace}/${c.name}` : c.name) === query);
  if (matches.length === 0) throw notFoundError(`${query} is not among the packages of ${result.fileName}`);
  return matches.map((c) => c.purl);
}

function projectJson(project: UpstreamProject) {
  return {
    rank: project.rank,
    repository: project.repository,
    key: project.key,
    owner: project.owner,
    packages: project.packages,
    direct: project.direct,
    min_depth: project.minDepth,
    paths: project.paths,
    dev_only: project.isDevOnly,
    score: project.score,
    terms: {
      proximity: project.terms.proximity,
      breadth: project.terms.breadth,
      reach: project.terms.reach,
      dev_factor: project.terms.devFactor,
    },
    funding: project.funding,
    purls: project.purls,
  };
}

const plural = (count: number, noun: string) => `${count} ${noun}${count === 1 ? '' : 's'}`;
const compact = (count: number) => (count >= 1e6 ? count.toExponential(1) : String(count));

export function registerDepsCommands(program: Command, ctx: Context) {
  const deps = program.command('deps').description('the open source your products depend on');

  deps
    .command('scan')
    .description('scan a lock file or SBOM offline: its packages, the direct ones, and the upstream projects ranked')
    .argument(
      '<file>',
      'CycloneDX or SPDX JSON, package-lock.json, pnpm-lock.yaml, yarn.lock, go.mod, go.sum, Cargo.lock, poetry.lock, requirements.txt, Gemfile.lock or composer.lock; - for stdin',
    )
    .option(
      '--with <manifest>',
      'the manifest beside it, where the lock file cannot tell what is direct (package.json, Cargo.toml, pyproject.toml, go.mod, composer.json, requirements.in)',
    )
    .option('--top <n>', 'how many upstream projects to list', positiveInteger, 20)
    .option('--why <package>', 'also print every path from the product to this package (a purl or a package name)')
    .option('--json', 'print JSON: { format, packages, direct, projects, owners, notes, … } with every project')
    .action(async (file: string, options: ScanOptions) => {
      const bytes = await readInput(ctx, file);
      const companion = options.with ? { bytes: await readInput(ctx, options.with), name: options.with } : undefined;
      const result = runScan(bytes, file, companion);
      const why = options.why
        ? whyTargets(result, options.why).map((purl) => ({ purl, paths: result.graph.pathsTo(purl, 50) }))
        : undefined;

      if (options.json) {
        return ctx.out.json({
          file: result.fileName,
          format: result.format,
          format_version: result.formatVersion,
          product: result.productName,
          companion: result.companion?.fileName ?? null,
          packages: result.packages,
          direct: result.direct,
          projects: result.projects.map(projectJson),
          owners: result.owners.map((o) => ({
            rank: o.rank,
            owner: o.owner,
            repositories: o.repositories,
            packages: o.packages,
            score: o.score,
            funding: o.funding,
          })),
          notes: result.notes,
          ...(why ? { why } : {}),
        });
      }

      const { bold, dim } = ctx.out.colours;
      const known = result.projects.filter((p) => p.repository !== null).length;
      ctx.out.line(
        bold(
          `${result.fileName}: ${result.format}${result.formatVersion ? ` ${result.formatVersion}` : ''}${result.productName ? ` (${result.productName})` : ''}`,
        ),
      );
      ctx.out.line(
        `${result.packages} packages, ${result.direct === null ? 'direct ones unknown (see the notes)' : `${result.direct} direct (dev and optional included)`}, ` +
          `${plural(result.projects.length, 'upstream project')} (${known} with a known repository, ${plural(result.owners.length, 'owner')})`,
      );
      ctx.out.line();
      const shown = result.projects.slice(0, options.top);
      ctx.out.table(
        shown,
        [
          { header: 'RANK', value: (p) => String(p.rank) },
          { header: 'UPSTREAM PROJECT', value: (p) => p.repository ?? p.key, style: (text, p) => (p.repository ? text : dim(text)) },
          { header: 'PACKAGES', value: (p) => String(p.packages) },
          { header: 'DIRECT', value: (p) => String(p.direct) },
          { header: 'DEPTH', value: (p) => String(p.minDepth) },
          { header: 'PATHS', value: (p) => compact(p.paths) },
          { header: 'SCORE', value: (p) => p.score.toFixed(2) + (p.isDevOnly ? ' dev' : '') },
        ],
        'No packages: the product depends on nothing in this file.',
      );
      if (result.projects.length > shown.length)
        ctx.out.note(dim(`(${shown.length} of ${result.projects.length} projects; --top N for more, --json for all)`));
      for (const target of why ?? []) {
        ctx.out.line();
        ctx.out.line(bold(`Why ${target.purl}:`));
        for (const path of target.paths) ctx.out.line(`  ${path.join(' → ')}`);
      }
      for (const note of result.notes) ctx.out.note(`note: ${note}`);
    });

  // upload and projects talk to a server; scan never does.
  registerInsightCommands(deps, ctx);
}
