/**
 * Runs one benchmark: `npm run bench -- NAME [options]`, or lists them without a name.
 *
 * A benchmark is `bench/NAME.bench.ts` whose default export measures and returns its figures, `ratio`
 * first. This runner prints them as the last line, `NAME: ratio=<x> key=value…`, so that tools reading
 * the output need to know one format only.
 */
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export type Figures = { ratio: number } & Record<string, number | string>;
export type Benchmark = (args: string[]) => Promise<Figures>;

const dir = fileURLToPath(new URL('.', import.meta.url));
const names = readdirSync(dir)
  .filter((file) => file.endsWith('.bench.ts'))
  .map((file) => file.slice(0, -'.bench.ts'.length))
  .sort();

const [name, ...args] = process.argv.slice(2);
if (!name || name === '--help' || name === '-h') {
  console.log(`usage: npm run bench -- NAME [options]\nbenchmarks: ${names.join(', ')}\nsee bench/README.md`);
  process.exit(name ? 0 : 2);
}
if (!names.includes(name)) {
  console.error(`no benchmark named "${name}"; there are: ${names.join(', ')}`);
  process.exit(2);
}

const module = (await import(`./${name}.bench.ts`)) as { default: Benchmark };
try {
  const figures = await module.default(args);
  const pairs = Object.entries(figures)
    .filter(([key]) => key !== 'ratio')
    .map(([key, value]) => `${key}=${format(value)}`);
  console.log(`${name}: ratio=${format(figures.ratio)}${pairs.length ? ` ${pairs.join(' ')}` : ''}`);
  // Benchmarks may leave pools or timers behind; the figure is printed, nothing else matters.
  process.exit(0);
} catch (error) {
  console.error(`${name}: failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exit(1);
}

function format(value: number | string): string {
  if (typeof value === 'string') return value;
  if (Number.isInteger(value)) return String(value);
  return value >= 100 ? value.toFixed(0) : value >= 1 ? value.toFixed(2) : value.toFixed(3);
}
