import { type Schemas, unwrap } from '@surplus/api-client';
import type { Command } from 'commander';
import { type Context, connect } from '../config.ts';
import { positiveInteger, relativeTime } from '../output.ts';

type Project = Schemas['Project'];

const PAGE_LIMIT_MAX = 200;

export function registerProjectCommands(program: Command, ctx: Context) {
  const projects = program.command('projects').description('open source projects you belong to (staff: all of them)');

  projects
    .command('list')
    .description('list your projects, newest first')
    .option('--all', 'every project, not just yours (staff only)')
    .option('--search <query>', 'match name, slug or repository')
    .option('--limit <n>', 'show at most this many, following pages as needed', positiveInteger, 50)
    .option('--json', 'print the API’s JSON: { items, next_cursor }')
    .action(async (options: { all?: boolean; search?: string; limit: number; json?: boolean }) => {
      const { client } = await connect(ctx);
      const items: Project[] = [];
      let cursor: string | undefined;
      let nextCursor: string | null = null;
      do {
        // Asking each page for exactly what is still wanted makes the last next_cursor resume right after the last item shown.
        const page = await unwrap(
          client.GET('/api/v1/projects', {
            params: {
              query: {
                scope: options.all ? 'all' : 'mine',
                q: options.search,
                limit: Math.min(options.limit - items.length, PAGE_LIMIT_MAX),
                cursor,
              },
            },
          }),
        );
        items.push(...page.items);
        nextCursor = page.next_cursor;
        cursor = nextCursor ?? undefined;
      } while (cursor && items.length < options.limit);
      if (options.json) return ctx.out.json({ items, next_cursor: nextCursor });
      ctx.out.table(
        items,
        [
          { header: 'SLUG', value: (p) => p.slug, style: (text) => ctx.out.colours.bold(text) },
          { header: 'NAME', value: (p) => p.name },
          { header: 'REPOSITORY', value: (p) => `${p.repository.host}/${p.repository.owner}/${p.repository.name}` },
          { header: 'LICENCE', value: (p) => p.license.expression },
          { header: 'ROLE', value: (p) => p.my_role ?? '-' },
          { header: 'MEMBERS', value: (p) => String(p.member_count) },
          { header: 'CREATED', value: (p) => relativeTime(p.created_at) },
        ],
        options.search ? `No projects match "${options.search}".` : 'No projects yet; create one with `surplus projects create`.',
      );
      if (nextCursor) ctx.out.note(`More projects exist; raise --limit (now ${options.limit}) to see them.`);
    });

  projects
    .command('create')
    .description('register an open source project; you become its owner')
    .requiredOption('--name <name>', 'the project’s name')
    .requiredOption('--repo <url>', 'repository URL in any common form, e.g. github.com/owner/repo')
    .requiredOption('--license <spdx>', 'SPDX licence expression, e.g. "Apache-2.0" or "MIT OR Apache-2.0"')
    .option('--slug <slug>', 'short name used in URLs (default: made from the name)')
    .option('--description <markdown>', 'what the project is, in Markdown')
    .option('--website <url>', 'the project’s website')
    .option('--foundation <name>', 'foundation or affiliation, e.g. CNCF')
    .option('--public', 'give the project a public page')
    .option('--json', 'print the API’s JSON')
    .action(async (options: CreateOptions) => {
      const { client } = await connect(ctx);
      const project = await unwrap(
        client.POST('/api/v1/projects', {
          body: {
            name: options.name,
            slug: options.slug,
            repository_url: options.repo,
            license: options.license,
            description: options.description ?? '',
            website: options.website,
            foundation: options.foundation,
            is_public: options.public ?? false,
          },
        }),
      );
      if (options.json) return ctx.out.json(project);
      ctx.out.note(`Created project ${project.slug}.`);
      showProject(ctx, project);
    });

  projects
    .command('show')
    .description('show one project')
    .argument('<project>', 'slug or id')
    .option('--json', 'print the API’s JSON')
    .action(async (slug: string, options: { json?: boolean }) => {
      const { client } = await connect(ctx);
      const project = await unwrap(client.GET('/api/v1/projects/{project}', { params: { path: { project: slug } } }));
      if (options.json) return ctx.out.json(project);
      showProject(ctx, project);
    });
}

type CreateOptions = {
  name: string;
  repo: string;
  license: string;
  slug?: string;
  description?: string;
  website?: string;
  foundation?: string;
  public?: boolean;
  json?: boolean;
};

function showProject(ctx: Context, project: Project) {
  const { license } = project;
  const licence = `${license.expression} (${license.is_osi_approved ? 'OSI-approved' : 'not all OSI-approved'})`;
  ctx.out.fields([
    ['Name', project.name],
    ['Slug', project.slug],
    ['Repository', project.repository.url],
    ['Licence', licence],
    ['Website', project.website],
    ['Foundation', project.foundation],
    ['Visibility', project.is_public ? `public (shows ${project.public_fields.join(', ') || 'the name only'})` : 'private'],
    ['Your role', project.my_role],
    ['Members', String(project.member_count)],
    ['Created', `${relativeTime(project.created_at)} (${project.created_at})`],
    ['Id', project.id],
  ]);
  if (project.description.trim()) {
    ctx.out.line();
    ctx.out.line(
      project.description
        .trim()
        .split('\n')
        .map((line) => `  ${line}`.trimEnd())
        .join('\n'),
    );
  }
}
