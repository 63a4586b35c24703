import { z } from 'zod';
import { PageQuery, pageOf } from '../http/pagination.ts';

export const PUBLIC_FIELDS = ['description', 'repository', 'license', 'website', 'foundation', 'members'] as const;
export const PublicField = z.enum(PUBLIC_FIELDS).meta({ id: 'ProjectPublicField' });

const Slug = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^[a-z0-9]([a-z0-9-]{0,62}[a-z0-9])?$/, 'must be 1–64 lowercase letters, digits or dashes, not starting or ending with a dash');
const WebUrl = z
  .string()
  .trim()
  .max(500)
  .refine((value) => /^https?:\/\/[^\s/]+\.[^\s]+$/i.test(value), 'must be an http(s) URL');

export const ProjectCreateBody = z
  .strictObject({
    name: z.string().trim().min(1).max(100),
    slug: Slug.optional().describe('Defaults to one made from the name.'),
    repository_url: z.string().trim().min(1).max(500).describe('Any common form; stored as https://host/owner/repo.'),
    license: z.string().trim().min(1).max(300).describe('SPDX licence expression, e.g. "Apache-2.0" or "MIT OR Apache-2.0".'),
    description: z.string().max(20_000).default('').describe('Markdown.'),
    website: WebUrl.nullable().optional(),
    foundation: z.string().trim().max(100).nullable().optional().describe('Foundation or affiliation, e.g. CNCF.'),
    is_public: z.boolean().default(false).describe('Whether the project has a public page.'),
    public_fields: z.array(PublicField).max(PUBLIC_FIELDS.length).optional().describe('What the public page shows besides the name.'),
  })
  .meta({ id: 'ProjectCreateBody' });
export type ProjectCreateBody = z.infer<typeof ProjectCreateBody>;

// Zod applies a default even inside .partial(): fields with one are restated without it, or a PATCH
// that leaves them out would reset them (is_public to false, description to "").
export const ProjectUpdateBody = ProjectCreateBody.omit({ slug: true })
  .partial()
  .extend({
    description: z.string().max(20_000).optional().describe('Markdown.'),
    is_public: z.boolean().optional().describe('Whether the project has a public page.'),
  })
  .meta({ id: 'ProjectUpdateBody' });
export type ProjectUpdateBody = z.infer<typeof ProjectUpdateBody>;

export const Repository = z.object({ host: z.string(), owner: z.string(), name: z.string(), url: z.string() }).meta({ id: 'Repository' });

export const Licence = z
  .object({
    expression: z.string(),
    is_osi_approved: z.boolean().describe('True when every licence in the expression is OSI-approved.'),
    licences: z.array(z.object({ id: z.string(), name: z.string().nullable(), is_osi_approved: z.boolean() })),
  })
  .meta({ id: 'Licence' });

export const ProjectRole = z.enum(['owner', 'member']).meta({ id: 'ProjectRole' });

export const Project = z
  .object({
    id: z.uuid(),
    slug: z.string(),
    name: z.string(),
    repository: Repository,
    license: Licence,
    description: z.string().describe('Markdown as written.'),
    description_html: z.string().describe('Rendered and sanitized.'),
    website: z.string().nullable(),
    foundation: z.string().nullable(),
    is_public: z.boolean(),
    public_fields: z.array(PublicField),
    my_role: ProjectRole.nullable().describe('Your role in the project; null for staff who are not members.'),
    member_count: z.number().int(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .meta({ id: 'Project' });
export type Project = z.infer<typeof Project>;

export const ProjectPage = pageOf(Project).meta({ id: 'ProjectPage' });
export const ProjectListQuery = PageQuery.extend({
  scope: z.enum(['mine', 'all']).default('mine').describe('"all" lists every project (staff only).'),
  q: z.string().max(200).optional().describe('Matches name, slug or repository.'),
});

export const PublicProject = z
  .object({
    slug: z.string(),
    name: z.string(),
    description_html: z.string().nullable(),
    repository: Repository.nullable(),
    license: Licence.nullable(),
    website: z.string().nullable(),
    foundation: z.string().nullable(),
    members: z.array(z.object({ name: z.string(), github_login: z.string().nullable(), role: ProjectRole })).nullable(),
  })
  .meta({ id: 'PublicProject' });
export const PublicProjectPage = pageOf(PublicProject).meta({ id: 'PublicProjectPage' });

export const ProjectParam = z.object({ project: z.string().min(1).max(64).describe('Project id or slug.') });

export const Member = z
  .object({
    user: z.object({ id: z.uuid(), name: z.string(), email: z.string(), github_login: z.string().nullable() }),
    role: ProjectRole,
    joined_at: z.string(),
  })
  .meta({ id: 'Member' });
export const MemberList = z.object({ items: z.array(Member) }).meta({ id: 'MemberList' });
export const MemberParam = ProjectParam.extend({ user: z.uuid() });
export const MemberUpdateBody = z.strictObject({ role: ProjectRole }).meta({ id: 'MemberUpdateBody' });
export const TransferBody = z
  .strictObject({ user_id: z.uuid().describe('A member who becomes owner; you become a member.') })
  .meta({ id: 'TransferBody' });

export const InvitationState = z.enum(['pending', 'accepted', 'declined', 'expired', 'revoked']).meta({ id: 'InvitationState' });
export const InvitationCreateBody = z
  .strictObject({
    email: z.email().max(254).optional(),
    github_login: z
      .string()
      .trim()
      .regex(/^[A-Za-z0-9](?:[A-Za-z0-9-]{0,37}[A-Za-z0-9])?$/, 'is not a GitHub login')
      .optional(),
    role: ProjectRole.default('member'),
  })
  .refine((body) => (body.email === undefined) !== (body.github_login === undefined), {
    message: 'give exactly one of email or github_login',
    path: ['email'],
  })
  .meta({ id: 'InvitationCreateBody' });
export type InvitationCreateBody = z.infer<typeof InvitationCreateBody>;

export const Invitation = z
  .object({
    id: z.uuid(),
    project: z.object({ id: z.uuid(), slug: z.string(), name: z.string() }),
    email: z.string().nullable(),
    github_login: z.string().nullable(),
    role: ProjectRole,
    state: InvitationState,
    invited_by: z.string().nullable().describe('Name of the person who invited.'),
    created_at: z.string(),
    expires_at: z.string(),
    responded_at: z.string().nullable(),
  })
  .meta({ id: 'Invitation' });
export type Invitation = z.infer<typeof Invitation>;
export const InvitationList = z.object({ items: z.array(Invitation) }).meta({ id: 'InvitationList' });
export const MyInvitation = Invitation.extend({
  needs_verification: z
    .boolean()
    .describe(
      'Sent to your email address, which you have not verified yet: verify it, or accept through the link in the invitation email.',
    ),
}).meta({ id: 'MyInvitation' });
export type MyInvitation = z.infer<typeof MyInvitation>;
export const MyInvitationList = z.object({ items: z.array(MyInvitation) }).meta({ id: 'MyInvitationList' });
export const InvitationCreated = z
  .object({ invitation: Invitation, accept_url: z.string().describe('Also sent by email when the invitee has an address.') })
  .meta({ id: 'InvitationCreated' });
export const InvitationParam = z.object({ id: z.uuid() });
export const InvitationTokenBody = z.strictObject({ token: z.string().min(10).max(200) }).meta({ id: 'InvitationTokenBody' });

export const MarkdownRenderBody = z.strictObject({ markdown: z.string().max(20_000) }).meta({ id: 'MarkdownRenderBody' });
export const MarkdownRendered = z
  .object({ html: z.string().describe('Rendered and sanitized exactly as a project description is.') })
  .meta({ id: 'MarkdownRendered' });
