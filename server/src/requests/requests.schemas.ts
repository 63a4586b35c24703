import { z } from 'zod';

export const PURPOSES = ['ci_cd', 'benchmarking', 'labs', 'hosting', 'other'] as const;
/** How people read each purpose: default request titles and the impact report. */
export const PURPOSE_LABELS: Record<(typeof PURPOSES)[number], string> = {
  ci_cd: 'CI/CD',
  benchmarking: 'Benchmarking',
  labs: 'Labs, workshops and POCs',
  hosting: 'Hosting',
  other: 'Other',
};
export const Purpose = z
  .enum(PURPOSES)
  .meta({ id: 'Purpose', description: 'ci_cd, benchmarking, labs (workshops/POC), hosting (mirror/CDN), other.' });
export const REQUEST_STATES = [
  'draft',
  'needs_info',
  'submitted',
  'in_review',
  'changes_requested',
  'approved',
  'declined',
  'withdrawn',
] as const;
export const RequestState = z.enum(REQUEST_STATES).meta({ id: 'RequestState' });

export const ResourceLineInput = z
  .strictObject({
    plan: z.string().trim().min(1).max(50).describe('Plan slug, e.g. c3.small.x86.'),
    quantity: z.number().int().min(1).max(1000),
    metro: z.string().trim().min(1).max(10).describe('Metro code, e.g. da.'),
    operating_system: z.string().trim().min(1).max(50).describe('OS slug, e.g. ubuntu_22_04.'),
  })
  .meta({ id: 'ResourceLineBody' });
export type ResourceLineInput = z.infer<typeof ResourceLineInput>;

export const ResourceLine = z
  .object({
    plan: z.string().nullable(),
    quantity: z.number().int(),
    metro: z.string().nullable(),
    operating_system: z.string().nullable(),
    unmatched: z.string().nullable().describe('What an intake line said that matched no plan, metro or OS; kept, flagged.'),
    monthly_cents: z.number().int().describe('Plan price × 730 h × quantity; 0 when the plan is unknown.'),
  })
  .meta({ id: 'ResourceLine' });
export type ResourceLine = z.infer<typeof ResourceLine>;

export const EstimateBody = z.strictObject({ resources: z.array(ResourceLineInput).max(50) }).meta({ id: 'EstimateBody' });
export const Estimate = z
  .object({ monthly_cents: z.number().int(), lines: z.array(ResourceLine), currency: z.string() })
  .meta({ id: 'Estimate' });

const IsoDate = z.iso.date();

const RequestFields = {
  purpose: Purpose,
  title: z.string().trim().max(200).default(''),
  description: z.string().max(20_000).describe('What you will do with the servers (Markdown).'),
  resources: z.array(ResourceLineInput).min(1).max(50),
  duration: z.enum(['fixed', 'ongoing']).default('fixed'),
  end_on: IsoDate.nullable().optional().describe('Required for a fixed duration.'),
  review_on: IsoDate.nullable().optional().describe('Required for an ongoing grant: when to look again.'),
  start_on: IsoDate.nullable().optional().describe('Wished start date.'),
  publish_results: z.string().max(5000).default('').describe('What results you will publish.'),
  acknowledges_sponsor: z.boolean().default(false).describe('You agree to acknowledge the sponsor.'),
};

export const RequestCreateBody = z
  .strictObject({
    program: z.string().min(1).max(64).describe('Program id or slug.'),
    project: z.string().min(1).max(64).describe('Project id or slug; you must own it.'),
    ...RequestFields,
    submit: z.boolean().default(true).describe('false keeps it as a draft.'),
  })
  .meta({ id: 'RequestCreateBody' });
export type RequestCreateBody = z.infer<typeof RequestCreateBody>;

export const RequestUpdateBody = z
  .strictObject({
    purpose: Purpose.optional(),
    title: z.string().trim().max(200).optional(),
    description: z.string().max(20_000).optional(),
    resources: z.array(ResourceLineInput).min(1).max(50).optional(),
    duration: z.enum(['fixed', 'ongoing']).optional(),
    end_on: IsoDate.nullable().optional(),
    review_on: IsoDate.nullable().optional(),
    start_on: IsoDate.nullable().optional(),
    publish_results: z.string().max(5000).optional(),
    acknowledges_sponsor: z.boolean().optional(),
  })
  .meta({ id: 'RequestUpdateBody' });
export type RequestUpdateBody = z.infer<typeof RequestUpdateBody>;

export const CheckStatus = z.enum(['pass', 'warn', 'fail']).meta({ id: 'CheckStatus' });
export const EligibilityCheck = z.object({ check: z.string(), status: CheckStatus, reason: z.string() }).meta({ id: 'EligibilityCheck' });
export type EligibilityCheck = z.infer<typeof EligibilityCheck>;

export const RequestEvent = z
  .object({
    from_state: z.string().nullable(),
    to_state: z.string(),
    actor: z.string(),
    note: z.string().nullable(),
    occurred_at: z.string(),
  })
  .meta({ id: 'RequestEvent' });

export const Request = z
  .object({
    id: z.uuid(),
    number: z.number().int(),
    program: z.object({ id: z.uuid(), slug: z.string(), name: z.string() }),
    project: z.object({ id: z.uuid(), slug: z.string(), name: z.string() }).nullable(),
    source: z.enum(['web', 'github']),
    github_issue: z.number().int().nullable(),
    github_author: z.string().nullable(),
    state: RequestState,
    kind: z.enum(['new', 'extension']),
    extends_grant_id: z.string().nullable(),
    purpose: Purpose.nullable(),
    title: z.string(),
    description: z.string(),
    description_html: z.string(),
    contact: z.object({ name: z.string().nullable(), email: z.string().nullable(), organization: z.string().nullable() }),
    project_urls: z.array(z.string()),
    resources: z.array(ResourceLine),
    duration: z.enum(['fixed', 'ongoing']),
    end_on: z.string().nullable(),
    review_on: z.string().nullable(),
    start_on: z.string().nullable(),
    publish_results: z.string(),
    acknowledges_sponsor: z.boolean(),
    progress_report: z.string().nullable(),
    monthly_estimate_cents: z.number().int(),
    missing: z.array(z.string()).describe('For needs_info: what the request still lacks.'),
    decision_reason: z.string().nullable(),
    waiting_days: z.number().describe('Days since submission until decision (or now).'),
    is_overdue: z.boolean().describe('Waiting longer than the program’s review-time target.'),
    grant_id: z.string().nullable(),
    created_at: z.string(),
    submitted_at: z.string().nullable(),
    decided_at: z.string().nullable(),
  })
  .meta({ id: 'Request' });
export type Request = z.infer<typeof Request>;

export const RequestDetail = Request.extend({
  eligibility: z.array(EligibilityCheck),
  timeline: z.array(RequestEvent),
}).meta({ id: 'RequestDetail' });
export type RequestDetail = z.infer<typeof RequestDetail>;

export const RequestListQuery = z.object({
  cursor: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  program: z.string().max(64).optional(),
  project: z.string().max(64).optional(),
  state: z
    .string()
    .max(200)
    .optional()
    .describe('One state or several, comma-separated.')
    .refine(
      (value) => !value || value.split(',').every((state) => (REQUEST_STATES as readonly string[]).includes(state)),
      'has an unknown state',
    ),
  purpose: Purpose.optional(),
  source: z.enum(['web', 'github']).optional(),
  min_age_days: z.coerce.number().min(0).optional(),
  min_cost_cents: z.coerce.number().int().min(0).optional(),
  max_cost_cents: z.coerce.number().int().min(0).optional(),
  sort: z.enum(['oldest', 'newest', 'cost_desc', 'cost_asc']).default('oldest'),
});
export type RequestListQuery = z.infer<typeof RequestListQuery>;

export const RequestPage = z.object({ items: z.array(Request), next_cursor: z.string().nullable() }).meta({ id: 'RequestPage' });
export const RequestParam = z.object({ id: z.uuid() });
export const WithdrawBody = z.strictObject({ reason: z.string().max(2000).optional() }).meta({ id: 'WithdrawBody' });
