import { type Schemas, unwrap } from '@surplus/api-client';
import { type Command, Option } from 'commander';
import { type Context, connect } from '../config.ts';
import { notFoundError, relativeTime, usageError } from '../output.ts';

type Member = Schemas['Member'];

const projectOption = () => new Option('--project <project>', 'project slug or id').makeOptionMandatory();

export function registerMemberCommands(program: Command, ctx: Context) {
  const members = program.command('members').description('people in a project and invitations to join it');

  members
    .command('list')
    .description('list a project’s members')
    .addOption(projectOption())
    .option('--json', 'print the API’s JSON: { items }')
    .action(async (options: { project: string; json?: boolean }) => {
      const { client } = await connect(ctx);
      const list = await unwrap(client.GET('/api/v1/projects/{project}/members', { params: { path: { project: options.project } } }));
      if (options.json) return ctx.out.json(list);
      ctx.out.table(
        list.items,
        [
          { header: 'NAME', value: (m) => m.user.name },
          { header: 'EMAIL', value: (m) => m.user.email },
          { header: 'GITHUB', value: (m) => m.user.github_login ?? '-' },
          { header: 'ROLE', value: (m) => m.role, style: (text, m) => (m.role === 'owner' ? ctx.out.colours.bold(text) : text) },
          { header: 'JOINED', value: (m) => relativeTime(m.joined_at) },
          { header: 'USER ID', value: (m) => m.user.id, style: (text) => ctx.out.colours.dim(text) },
        ],
        'No members.',
      );
    });

  members
    .command('invite')
    .description('invite someone by email or GitHub login; they join when they accept')
    .addOption(projectOption())
    .option('--email <email>', 'their email address (they get the invitation by mail)')
    .option('--github <login>', 'their GitHub login')
    .addOption(new Option('--role <role>', 'role once they join').choices(['owner', 'member']).default('member'))
    .option('--json', 'print the API’s JSON')
    .action(async (options: { project: string; email?: string; github?: string; role: 'owner' | 'member'; json?: boolean }) => {
      if ((options.email === undefined) === (options.github === undefined)) throw usageError('give exactly one of --email or --github');
      const { client } = await connect(ctx);
      const created = await unwrap(
        client.POST('/api/v1/projects/{project}/invitations', {
          params: { path: { project: options.project } },
          body: { email: options.email, github_login: options.github, role: options.role },
        }),
      );
      if (options.json) return ctx.out.json(created);
      const { invitation } = created;
      const who = invitation.email ?? `@${invitation.github_login}`;
      ctx.out.line(
        `Invited ${who} to ${invitation.project.slug} as ${invitation.role}; the invitation expires ${relativeTime(invitation.expires_at)}.`,
      );
      ctx.out.line(`Accept link: ${created.accept_url}`);
    });

  members
    .command('remove')
    .description('remove a member from a project (or yourself, to leave it)')
    .addOption(projectOption())
    .argument('<member>', 'their email, GitHub login or user id')
    .option('--json', 'print the removed member as JSON')
    .action(async (who: string, options: { project: string; json?: boolean }) => {
      const { client } = await connect(ctx);
      const path = { project: options.project };
      const { items } = await unwrap(client.GET('/api/v1/projects/{project}/members', { params: { path } }));
      const member = findMember(items, who);
      if (!member) throw notFoundError(`${who} is not a member of ${options.project}`);
      await unwrap(client.DELETE('/api/v1/projects/{project}/members/{user}', { params: { path: { ...path, user: member.user.id } } }));
      if (options.json) return ctx.out.json(member);
      ctx.out.line(`Removed ${member.user.name} <${member.user.email}> from ${options.project}.`);
    });
}

function findMember(items: Member[], who: string): Member | undefined {
  const wanted = who.replace(/^@/, '').toLowerCase();
  return items.find(
    (m) => m.user.id === who || m.user.email.toLowerCase() === wanted || (m.user.github_login?.toLowerCase() ?? null) === wanted,
  );
}
