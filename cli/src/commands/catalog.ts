import { type Schemas, unwrap } from '@surplus/api-client';
import type { Command } from 'commander';
import { type Context, connect } from '../config.ts';
import { formatCents } from '../money.ts';

type Plan = Schemas['Plan'];
type Metro = Schemas['Metro'];
type OperatingSystem = Schemas['OperatingSystem'];

// Catalog prices carry no currency of their own; estimates are in USD (see POST /api/v1/requests/estimate).
const CATALOG_CURRENCY = 'USD';

export function registerCatalogCommands(program: Command, ctx: Context) {
  program
    .command('catalog')
    .description('what can be requested: plans with prices, metros, operating systems')
    .option('--json', 'print the API’s JSON: { plans, metros, operating_systems }')
    .action(async (options: { json?: boolean }) => {
      const { client } = await connect(ctx);
      const catalog = await unwrap(client.GET('/api/v1/catalog'));
      if (options.json) return ctx.out.json(catalog);
      const { colours } = ctx.out;
      const offered = (isAvailable: boolean) => (isAvailable ? 'yes' : 'no');
      const dimUnlessOffered = (text: string, row: { is_available: boolean }) => (row.is_available ? text : colours.dim(text));

      ctx.out.line(colours.bold('Plans'));
      ctx.out.table<Plan>(
        catalog.plans,
        [
          { header: 'PLAN', value: (p) => p.slug, style: dimUnlessOffered },
          { header: 'ARCH', value: (p) => p.architecture },
          { header: 'CPU', value: (p) => `${p.cpu.cores} ${p.cpu.cores === 1 ? 'core' : 'cores'} ${p.cpu.model}` },
          { header: 'MEMORY', value: (p) => `${p.memory_gb} GB` },
          { header: 'STORAGE', value: (p) => p.storage.summary },
          { header: 'GPU', value: (p) => p.gpu ?? '-' },
          { header: 'PER HOUR', value: (p) => formatCents(p.price_cents_per_hour, CATALOG_CURRENCY) },
          { header: 'PER MONTH', value: (p) => formatCents(p.price_cents_per_month, CATALOG_CURRENCY) },
          { header: 'OFFERED', value: (p) => offered(p.is_available) },
        ],
        'No plans in the catalog.',
      );
      ctx.out.line();
      ctx.out.line(colours.bold('Metros'));
      ctx.out.table<Metro>(
        catalog.metros,
        [
          { header: 'METRO', value: (m) => m.code, style: dimUnlessOffered },
          { header: 'NAME', value: (m) => m.name },
          { header: 'COUNTRY', value: (m) => m.country || '-' },
          { header: 'OFFERED', value: (m) => offered(m.is_available) },
        ],
        'No metros in the catalog.',
      );
      ctx.out.line();
      ctx.out.line(colours.bold('Operating systems'));
      ctx.out.table(
        catalog.operating_systems,
        [
          { header: 'OS', value: (os) => os.slug },
          { header: 'NAME', value: (os) => os.name },
          { header: 'VERSION', value: (os) => os.version },
          { header: 'ARCHITECTURES', value: (os) => os.architectures.join(', ') },
          {
            header: 'STATUS',
            value: osStatus,
            style: (text, os) =>
              os.status === 'end_of_life' ? colours.red(text) : os.status === 'deprecated' ? colours.dim(text) : colours.green(text),
          },
        ],
        'No operating systems in the catalog.',
      );
      ctx.out.line();
      ctx.out.line(colours.dim('A month is 730 hours. Request servers with `surplus requests create --resource PLAN:QTY:METRO:OS`.'));
    });
}

export function osStatus(os: OperatingSystem): string {
  if (os.status === 'end_of_life') return `end of life since ${os.end_of_life_on}`;
  if (os.status === 'deprecated') return os.end_of_life_on ? `deprecated, end of life ${os.end_of_life_on}` : 'deprecated';
  return os.end_of_life_on ? `supported until ${os.end_of_life_on}` : 'supported';
}
