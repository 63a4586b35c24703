import { z } from 'zod';
import { PageQuery, pageOf } from '../http/pagination.ts';
import { Budget } from '../programs/programs.schemas.ts';

export const GRANT_STATES = ['active', 'expiring', 'expired', 'revoked'] as const;
export const GrantState = z
  .enum(GRANT_STATES)
  .meta({ id: 'GrantState', description: 'active; expiring (within 30 days of its last day); expired; revoked (ended for abuse).' });

const IsoDate = z.iso.date();

export const Grant = z
  .object({
    id: z.uuid(),
    program: z.object({ id: z.uuid(), slug: z.string(), name: z.string() }),
    project: z.object({ id: z.uuid(), slug: z.string(), name: z.string() }),
    request: z.object({ id: z.uuid(), number: z.number().int() }).describe('The request that made the grant.'),
    state: GrantState,
    currency: z.string(),
    monthly_credit_cents: z.number().int().describe('Monthly credit cap.'),
    max_servers: z.number().int().describe('Most servers running at once.'),
    servers_in_use: z.number().int().describe("The project's servers that count against max_servers now: every one not failed or deleted."),
    allowed_plans: z.array(z.string()),
    allowed_metros: z.array(z.string()),
    starts_on: z.string(),
    ends_on: z.string().nullable().describe('Last day of a fixed grant.'),
    review_on: z.string().nullable().describe('For an ongoing grant: the day it lapses unless an extension is approved.'),
    last_day: z.string().describe('ends_on, or review_on for an ongoing grant.'),
    override_reason: z.string().nullable().describe('Why an admin approved it beyond the budget. Shown to staff only.'),
    ended_at: z.string().nullable(),
    end_reason: z.string().nullable(),
    created_at: z.string(),
  })
  .meta({ id: 'Grant' });
export type Grant = z.infer<typeof Grant>;

export const GrantDetail = Grant.extend({
  figures: z
    .object({
      fiscal_year: z.object({ starts_on: z.string(), ends_on: z.string() }),
      committed_cents: z.number().int().describe('What this grant may still spend until the fiscal year (or the grant) ends.'),
      spent_cents: z.number().int().describe('Metered spend under this grant this fiscal year.'),
      days_left: z.number().int().describe('Days until its last day; negative once past.'),
      this_month: z
        .object({
          month: z.string().describe('First day of the UTC month.'),
          credit_cents: z.number().int().describe('The monthly credit.'),
          spent_cents: z.number().int().describe('Metered spend this UTC month so far.'),
          remaining_cents: z.number().int().describe('Credit minus spend; negative once over.'),
          percent_used: z.number().int(),
        })
        .describe('This UTC month’s credit, spend and what remains (the same figures as the usage API’s months).'),
    })
    .describe('This grant’s share of the program budget.'),
  program_budget: Budget.nullable().describe('The program’s budget figures; staff only.'),
  extensions: z.array(
    z.object({ id: z.uuid(), number: z.number().int(), state: z.string(), created_at: z.string(), decided_at: z.string().nullable() }),
  ),
  notices: z.array(z.object({ days_before: z.number().int(), sent_at: z.string() })).describe('Expiry notices sent.'),
}).meta({ id: 'GrantDetail' });
export type GrantDetail = z.infer<typeof GrantDetail>;

export const GrantListQuery = PageQuery.extend({
  program: z.string().max(64).optional().describe('Program id or slug.'),
  project: z.string().max(64).optional().describe('Project id or slug.'),
  state: z
    .string()
    .max(100)
    .optional()
    .describe('One state or several, comma-separated.')
    .refine(
      (value) => !value || value.split(',').every((state) => (GRANT_STATES as readonly string[]).includes(state)),
      'has an unknown state',
    ),
});
export type GrantListQuery = z.infer<typeof GrantListQuery>;

export const GrantPage = pageOf(Grant).meta({ id: 'GrantPage' });
export const GrantParam = z.object({ id: z.uuid() });

export const GrantExtendBody = z
  .strictObject({
    progress_report: z.string().max(20_000).default('').describe('What the servers did so far (Markdown).'),
    results_url: z
      .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
      .max(2000)
      .optional()
      .describe('Where the results are published.'),
    end_on: IsoDate.optional().describe('New last day of a fixed grant; default: the current one plus the program’s default grant length.'),
    review_on: IsoDate.optional().describe('New review date of an ongoing grant; default as for end_on.'),
  })
  .refine((body) => body.progress_report.trim() !== '' || body.results_url, {
    message: 'give a progress report or a results_url',
    path: ['progress_report'],
  })
  .meta({ id: 'GrantExtendBody' });
export type GrantExtendBody = z.infer<typeof GrantExtendBody>;

export const GrantEndBody = z
  .strictObject({
    ends_on: IsoDate.describe(
      'The new last day, at least the program’s minimum notice from today; the expiry job ends the grant after it.',
    ),
    reason: z.string().trim().min(1).max(2000),
  })
  .meta({ id: 'GrantEndBody' });
export type GrantEndBody = z.infer<typeof GrantEndBody>;

export const GrantRevokeBody = z
  .strictObject({ reason: z.string().trim().min(1).max(2000).describe('What abuse this answers; kept in the audit log.') })
  .meta({ id: 'GrantRevokeBody' });
