import { z } from 'zod';
import { PURPOSES } from '../requests/requests.schemas.ts';

export const ProgramPolicy = z
  .object({
    eligibility: z
      .object({
        require_osi_license: z.boolean().default(true).describe('Every licence in the project’s expression must be OSI-approved.'),
        require_public_repository: z.boolean().default(true),
        foundations: z
          .array(z.string().trim().min(1).max(100))
          .max(50)
          .default([])
          .describe('When not empty, the project must belong to one.'),
        min_maintainers: z.number().int().min(0).max(100).default(1),
      })
      .prefault({}),
    auto_approval: z
      .object({
        is_enabled: z.boolean().default(false),
        max_monthly_estimate_cents: z.number().int().min(0).default(0),
        purposes: z.array(z.enum(PURPOSES)).default([]).describe('Empty means every purpose.'),
        requires_good_standing: z.boolean().default(true).describe('No revoked grant and no declined request in the last 180 days.'),
      })
      .prefault({}),
    approvals_required: z.number().int().min(1).max(2).default(1).describe('2 for the two-vote rule.'),
    default_grant_days: z.number().int().min(1).max(3650).default(365),
    min_notice_days: z.number().int().min(0).max(365).default(30),
    review_target_days: z.number().int().min(1).max(365).default(5),
    metering: z
      .object({
        counting: z
          .enum(['allocated', 'powered_on'])
          .default('allocated')
          .describe(
            'allocated: a server counts from allocation until its machine is back in the pool, powered off or not. powered_on: only while powered on.',
          ),
        traffic_cents_per_gb: z
          .number()
          .int()
          .min(0)
          .max(100_000)
          .default(0)
          .describe('Price of outbound traffic per GB (10^9 bytes); 0 counts it without charging.'),
        over_cap: z
          .enum(['notify', 'power_off'])
          .default('notify')
          .describe('At 100 % of a grant’s monthly credit: only notify, or also power off its running servers after the notice period.'),
        over_cap_notice_hours: z.number().int().min(0).max(720).default(24),
        idle_days: z
          .number()
          .int()
          .min(1)
          .max(365)
          .default(7)
          .describe('Active servers with no heartbeat, SSH session or traffic for this long are flagged idle.'),
        is_impact_public: z.boolean().default(false).describe('Anyone may read the yearly impact report.'),
      })
      .prefault({}),
  })
  .meta({ id: 'ProgramPolicy' });
export type ProgramPolicy = z.infer<typeof ProgramPolicy>;

const Slug = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^[a-z0-9]([a-z0-9-]{0,62}[a-z0-9])?$/, 'must be 1–64 lowercase letters, digits or dashes');
const GithubRepository = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/, 'must be OWNER/REPO');

export const ProgramCreateBody = z
  .strictObject({
    slug: Slug,
    name: z.string().trim().min(1).max(100),
    description: z.string().max(20_000).default(''),
    currency: z
      .string()
      .regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code such as USD')
      .default('USD'),
    budget_cents_per_year: z.number().int().min(0).max(1e15),
    fiscal_year_start_month: z.number().int().min(1).max(12).default(1),
    policy: ProgramPolicy.prefault({}),
    github_repository: GithubRepository.nullable().optional(),
    github_secret: z.string().min(8).max(200).optional().describe('The webhook secret set on the GitHub repository. Never returned.'),
    is_public: z.boolean().default(true),
  })
  .refine((body) => !body.github_repository || body.github_secret, {
    message: 'is required with github_repository',
    path: ['github_secret'],
  })
  .meta({ id: 'ProgramCreateBody' });
export type ProgramCreateBody = z.infer<typeof ProgramCreateBody>;

export const ProgramUpdateBody = z
  .strictObject({
    name: z.string().trim().min(1).max(100).optional(),
    description: z.string().max(20_000).optional(),
    budget_cents_per_year: z.number().int().min(0).max(1e15).optional(),
    fiscal_year_start_month: z.number().int().min(1).max(12).optional(),
    policy: ProgramPolicy.optional(),
    github_repository: GithubRepository.nullable().optional(),
    github_secret: z.string().min(8).max(200).optional(),
    is_public: z.boolean().optional(),
  })
  .meta({ id: 'ProgramUpdateBody' });
export type ProgramUpdateBody = z.infer<typeof ProgramUpdateBody>;

export const Budget = z
  .object({
    fiscal_year: z.object({ starts_on: z.string(), ends_on: z.string() }),
    currency: z.string(),
    budget_cents: z.number().int(),
    committed_cents: z.number().int().describe('What active grants may still spend until the fiscal year ends.'),
    spent_cents: z.number().int().describe('Metered spend this fiscal year.'),
    remaining_cents: z.number().int().describe('budget − committed − spent; negative only after a recorded override.'),
  })
  .meta({ id: 'Budget' });
export type Budget = z.infer<typeof Budget>;

export const StaffMember = z
  .object({ user: z.object({ id: z.uuid(), name: z.string(), email: z.string() }), role: z.enum(['lead', 'reviewer']) })
  .meta({ id: 'ProgramStaffMember' });

export const Program = z
  .object({
    id: z.uuid(),
    slug: z.string(),
    name: z.string(),
    description: z.string(),
    description_html: z.string(),
    currency: z.string(),
    budget_cents_per_year: z.number().int(),
    fiscal_year_start_month: z.number().int(),
    policy: ProgramPolicy,
    github_repository: z.string().nullable(),
    has_github_secret: z.boolean(),
    is_public: z.boolean(),
    staff: z.array(StaffMember),
    created_at: z.string(),
  })
  .meta({ id: 'Program' });
export type Program = z.infer<typeof Program>;

export const ProgramList = z.object({ items: z.array(Program) }).meta({ id: 'ProgramList' });
export const ProgramParam = z.object({ program: z.string().min(1).max(64).describe('Program id or slug.') });
export const StaffBody = z
  .strictObject({ user_id: z.uuid(), role: z.enum(['lead', 'reviewer']).default('reviewer') })
  .meta({ id: 'ProgramStaffBody' });
