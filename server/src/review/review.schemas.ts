import { z } from 'zod';
import { Grant, GrantDetail } from '../grants/grants.schemas.ts';
import { Budget } from '../programs/programs.schemas.ts';
import { EligibilityCheck, Request, RequestDetail } from '../requests/requests.schemas.ts';

export const RUBRIC_CRITERIA = ['impact', 'need', 'readiness', 'value'] as const;
export const RubricCriterion = z.enum(RUBRIC_CRITERIA).meta({
  id: 'RubricCriterion',
  description:
    'impact: how much of the ecosystem (and of our products) depends on the project; need: why these servers; readiness: can they use them now; value: benefit for the cost.',
});

/** Reasons reviewers give most often; a decline may add its own words to one. */
export const DECLINE_TEMPLATE_IDS = ['not_open_source', 'out_of_scope', 'insufficient_detail', 'over_budget', 'duplicate'] as const;
export type DeclineTemplateId = (typeof DECLINE_TEMPLATE_IDS)[number];
export const DECLINE_TEMPLATES: Record<DeclineTemplateId, { title: string; text: string }> = {
  not_open_source: {
    title: 'Not open source',
    text: 'The project does not meet the program’s open source requirements: an OSI-approved licence and a public repository.',
  },
  out_of_scope: {
    title: 'Out of scope',
    text: 'What the servers would be used for is outside what this program supports.',
  },
  insufficient_detail: {
    title: 'Not enough detail',
    text: 'The request does not say enough about what the servers are for and how the project will use them. You are welcome to ask again with more detail.',
  },
  over_budget: {
    title: 'Over budget',
    text: 'This fiscal year’s program budget cannot cover the request. You are welcome to ask again for fewer resources, or in the next fiscal year.',
  },
  duplicate: {
    title: 'Already covered',
    text: 'Another request or grant of this project already covers this.',
  },
};
export const DeclineTemplateIdSchema = z.enum(DECLINE_TEMPLATE_IDS).meta({ id: 'DeclineTemplateId' });
export const DeclineTemplateList = z
  .object({ items: z.array(z.object({ id: DeclineTemplateIdSchema, title: z.string(), text: z.string() })) })
  .meta({ id: 'DeclineTemplateList' });

export const VoteTally = z
  .object({
    up: z.number().int().describe('+1 votes.'),
    down: z.number().int().describe('−1 votes.'),
    approvals_required: z.number().int().describe('2 where the program applies the two-vote rule.'),
    meets_vote_rule: z.boolean().describe('Whether an approval would pass the two-vote rule now.'),
  })
  .meta({ id: 'VoteTally' });
export type VoteTally = z.infer<typeof VoteTally>;

/**
 * A request as the queue lists it: what the queue screens show, without the description, contact and
 * resource lines (`GET /api/v1/requests/{id}` has the whole request).
 */
export const ReviewQueueItem = Request.pick({
  id: true,
  number: true,
  title: true,
  program: true,
  project: true,
  source: true,
  github_issue: true,
  github_author: true,
  state: true,
  kind: true,
  purpose: true,
  monthly_estimate_cents: true,
  waiting_days: true,
  is_overdue: true,
  created_at: true,
  submitted_at: true,
  decided_at: true,
})
  .extend({
    server_count: z.number().int().describe('Servers asked for: the quantities of the lines that matched the catalog, summed.'),
    unmatched_lines: z
      .number()
      .int()
      .describe('Lines with text an intake could not match to a plan, metro or OS (kept and flagged; the request shows them).'),
    votes: VoteTally,
  })
  .meta({ id: 'ReviewQueueItem' });
export type ReviewQueueItem = z.infer<typeof ReviewQueueItem>;
export const ReviewQueuePage = z
  .object({ items: z.array(ReviewQueueItem), next_cursor: z.string().nullable() })
  .meta({ id: 'ReviewQueuePage' });
export type ReviewQueuePage = z.infer<typeof ReviewQueuePage>;

export const Comment = z
  .object({
    id: z.uuid(),
    author: z.object({ user_id: z.string().nullable(), name: z.string() }),
    body: z.string(),
    body_html: z.string().describe('The Markdown rendered and sanitized.'),
    is_staff_only: z.boolean().describe('Seen by program staff only, never by the applicant.'),
    created_at: z.string(),
  })
  .meta({ id: 'RequestComment' });
export type Comment = z.infer<typeof Comment>;
export const CommentList = z.object({ items: z.array(Comment) }).meta({ id: 'RequestCommentList' });
export const CommentCreateBody = z
  .strictObject({
    body: z.string().trim().min(1).max(20_000).describe('Markdown.'),
    is_staff_only: z.boolean().default(false).describe('Staff only: a note the applicant never sees.'),
  })
  .meta({ id: 'RequestCommentCreateBody' });
export type CommentCreateBody = z.infer<typeof CommentCreateBody>;

export const VoteBody = z
  .strictObject({
    vote: z.union([z.literal(1), z.literal(-1)]).describe('+1 to approve, −1 against.'),
    scores: z
      .partialRecord(RubricCriterion, z.number().int().min(1).max(5))
      .default({})
      .describe('Optional rubric: 1 (poor) to 5 (excellent) per criterion.'),
    note: z.string().trim().max(2000).optional(),
  })
  .meta({ id: 'VoteBody' });
export type VoteBody = z.infer<typeof VoteBody>;

export const Vote = z
  .object({
    user: z.object({ id: z.uuid(), name: z.string(), email: z.string() }),
    vote: z.number().int(),
    scores: z.record(z.string(), z.number().int()),
    note: z.string().nullable(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .meta({ id: 'Vote' });
export const VoteList = z.object({ items: z.array(Vote), tally: VoteTally }).meta({ id: 'VoteList' });

export const RequestChangesBody = z
  .strictObject({ reason: z.string().trim().min(1).max(5000).describe('What the applicant should change; shown to them.') })
  .meta({ id: 'RequestChangesBody' });

export const DeclineBody = z
  .strictObject({
    template: DeclineTemplateIdSchema.optional().describe('A standard reason; `reason` adds to it.'),
    reason: z.string().trim().max(5000).optional(),
  })
  .refine((body) => body.template || body.reason, { message: 'is required unless a template is given', path: ['reason'] })
  .meta({ id: 'DeclineBody' });
export type DeclineBody = z.infer<typeof DeclineBody>;

const IsoDate = z.iso.date();

export const ApproveBody = z
  .strictObject({
    monthly_credit_cents: z.number().int().min(0).max(1e13).optional().describe('Default: the request’s monthly estimate.'),
    max_servers: z.number().int().min(1).max(100_000).optional().describe('Default: the total quantity of the request’s lines.'),
    allowed_plans: z.array(z.string().trim().min(1).max(50)).max(50).optional().describe('Default: the plans of the request’s lines.'),
    allowed_metros: z.array(z.string().trim().min(1).max(10)).max(50).optional().describe('Default: the metros of the request’s lines.'),
    starts_on: IsoDate.optional().describe('Default: the wished start, or today.'),
    ends_on: IsoDate.nullable().optional().describe('Default: the requested end, or start + the program’s default grant length.'),
    review_on: IsoDate.nullable().optional().describe('For ongoing grants. Default: the requested review date, or start + default length.'),
    override_reason: z.string().trim().min(1).max(2000).optional().describe('Admins only: why to approve beyond the remaining budget.'),
    note: z.string().trim().max(2000).optional().describe('A word to the applicant, on the timeline.'),
  })
  .meta({ id: 'ApproveBody' });
export type ApproveBody = z.infer<typeof ApproveBody>;

export const GrantTermsOut = z
  .object({
    monthly_credit_cents: z.number().int(),
    max_servers: z.number().int(),
    allowed_plans: z.array(z.string()),
    allowed_metros: z.array(z.string()),
    starts_on: z.string(),
    ends_on: z.string().nullable(),
    review_on: z.string().nullable(),
  })
  .meta({ id: 'GrantTerms' });

export const Approval = z.object({ request: RequestDetail, grant: GrantDetail }).meta({ id: 'Approval' });

export const DependencyEvidence = z
  .object({
    is_depended_on: z.boolean().describe('Some product’s latest upload depends on the project’s repository.'),
    products: z
      .array(
        z.object({
          id: z.uuid(),
          slug: z.string(),
          name: z.string(),
          packages: z.number().int().describe('Packages of the project this product uses.'),
          direct: z.number().int().describe('Of those, asked for directly.'),
          min_depth: z.number().int(),
        }),
      )
      .describe('Our products that depend on it, by name.'),
    paths: z.number().nullable().describe('Dependency paths from the products to its packages, summed; null when nothing depends on it.'),
    criticality_score: z.number().nullable().describe('Imported OpenSSF criticality score, 0–1, when known.'),
    rank: z.number().int().nullable().describe('Its place among the portfolio’s upstream projects by score.'),
    link: z.string().describe('The insight page to read more: the upstream project’s page, or the supply-chain overview.'),
  })
  .meta({ id: 'ReviewDependencyEvidence' });

export const Evidence = z
  .object({
    dependency: DependencyEvidence.nullable().describe('Whether our products depend on the project; null without a linked project.'),
    eligibility: z.array(EligibilityCheck),
    budget: Budget.describe('The program’s figures today.'),
    proposed_terms: GrantTermsOut.describe('What approving without changes would grant.'),
    needed_cents: z.number().int().describe('What the proposed terms add to the committed budget this fiscal year.'),
    remaining_after_cents: z.number().int(),
    needs_override: z.boolean().describe('Approving needs an admin and an override reason.'),
    votes: VoteTally,
    past_grants: z.array(Grant),
    past_requests: z.array(
      z.object({ id: z.uuid(), number: z.number().int(), state: z.string(), kind: z.string(), decided_at: z.string().nullable() }),
    ),
    stories: z
      .array(z.object({ id: z.uuid(), title: z.string(), published_at: z.string().nullable() }))
      .describe('Published impact stories.'),
  })
  .meta({ id: 'ReviewEvidence' });
export type Evidence = z.infer<typeof Evidence>;
