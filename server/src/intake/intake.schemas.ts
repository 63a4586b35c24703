import { z } from 'zod';
import { RequestState } from '../requests/requests.schemas.ts';

export const ProjectClaim = z
  .object({
    id: z.uuid(),
    github_login: z.string().describe('The GitHub account that opened the issue; only it can accept the claim.'),
    repository_url: z.string().nullable().describe('The repository the issue named, if any: the default for the new project.'),
    suggested_name: z.string().describe('The project title the issue gave: the default name for the new project.'),
    request: z.object({
      id: z.uuid(),
      number: z.number().int(),
      title: z.string(),
      state: RequestState,
      program: z.object({ slug: z.string(), name: z.string() }),
      github_repository: z.string().nullable(),
      github_issue: z.number().int().nullable(),
    }),
    created_at: z.string(),
  })
  .meta({ id: 'ProjectClaim' });
export type ProjectClaim = z.infer<typeof ProjectClaim>;

export const ProjectClaimList = z
  .object({
    items: z.array(ProjectClaim),
    github_login: z.string().nullable().describe('Your GitHub login; null until you sign in with GitHub once.'),
  })
  .meta({ id: 'ProjectClaimList' });

export const ClaimParam = z.object({ id: z.uuid() });

const Slug = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^[a-z0-9]([a-z0-9-]{0,62}[a-z0-9])?$/, 'must be 1–64 lowercase letters, digits or dashes, not starting or ending with a dash');

export const ClaimAcceptBody = z
  .strictObject({
    project: z.string().min(1).max(64).optional().describe('Link a project you already own (id or slug) instead of registering one.'),
    name: z.string().trim().min(1).max(100).optional().describe('Defaults to the project title the issue gave.'),
    slug: Slug.optional().describe('Defaults to one made from the name.'),
    repository_url: z.string().trim().min(1).max(500).optional().describe('Defaults to the repository the issue named.'),
    license: z.string().trim().min(1).max(300).optional().describe('SPDX licence expression; required when a new project is registered.'),
    description: z.string().max(20_000).optional().describe('Markdown; defaults to the request description.'),
  })
  .meta({ id: 'ClaimAcceptBody' });
export type ClaimAcceptBody = z.infer<typeof ClaimAcceptBody>;

export const ClaimAccepted = z
  .object({
    claim_id: z.uuid(),
    is_new_project: z.boolean().describe('True when the claim registered the project; false when it linked one you had.'),
    project: z.object({ id: z.uuid(), slug: z.string(), name: z.string() }),
    request: z.object({ id: z.uuid(), number: z.number().int(), state: RequestState }),
  })
  .meta({ id: 'ClaimAccepted' });
export type ClaimAccepted = z.infer<typeof ClaimAccepted>;
