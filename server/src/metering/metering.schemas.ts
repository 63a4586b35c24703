import { z } from 'zod';

const IsoDate = z.iso.date();

export const UsageQuery = z.strictObject({
  from: IsoDate.optional().describe('First UTC day counted (default: the first day of this month).'),
  to: IsoDate.optional().describe('Last UTC day counted, included (default: today).'),
});
export type UsageQuery = z.infer<typeof UsageQuery>;

export const UsageLine = z
  .object({
    type: z.enum(['server', 'traffic']),
    plan: z.string().nullable().describe('Null for traffic reported for a project rather than a server.'),
    metro: z.string().nullable(),
    unit: z.enum(['server_hour', 'gb_out']),
    quantity: z.number().describe('Server-hours (4 decimals) or GB out (10^9 bytes, 3 decimals).'),
    unit_price_cents: z.number().int(),
    total_cents: z
      .number()
      .int()
      .describe('Sum of the charges, each server’s time per month and each source’s traffic per month rounded half up to a cent.'),
    seconds: z.number().int().nullable().describe('Server time, exact.'),
    bytes_in: z.string().nullable().describe('Traffic in, exact (a decimal string: it can exceed 2^53).'),
    bytes_out: z.string().nullable(),
  })
  .meta({ id: 'UsageLine' });

export const UsageReport = z
  .object({
    from: z.string(),
    to: z.string(),
    currency: z.string().nullable().describe('Null when the usage spans programs with different currencies.'),
    lines: z.array(UsageLine),
    total_cents: z.number().int(),
    projects: z
      .array(z.object({ id: z.uuid(), slug: z.string(), name: z.string(), total_cents: z.number().int() }))
      .describe('Per project, for program usage: these add up to total_cents.'),
  })
  .meta({ id: 'UsageReport' });
export type UsageReport = z.infer<typeof UsageReport>;

export const TrafficIngestResult = z
  .object({
    received: z.number().int().describe('Samples in the batch.'),
    stored: z.number().int().describe('Samples stored now.'),
    duplicates: z.number().int().describe('Samples whose id was already stored (for the same project), or repeated in the batch.'),
  })
  .meta({ id: 'TrafficIngestResult' });
export type TrafficIngestResult = z.infer<typeof TrafficIngestResult>;

export const GrantMonth = z
  .object({
    month: z.string().describe('YYYY-MM-01'),
    credit_cents: z.number().int(),
    spent_cents: z.number().int(),
    remaining_cents: z.number().int().describe('credit − spent; negative when the month went over.'),
    percent_used: z.number().int(),
    alerts: z.array(z.object({ threshold_percent: z.number().int(), sent_at: z.string() })),
  })
  .meta({ id: 'GrantMonth' });
export type GrantMonth = z.infer<typeof GrantMonth>;

export const GrantUsage = z
  .object({
    grant_id: z.uuid(),
    currency: z.string(),
    monthly_credit_cents: z.number().int(),
    months: z.array(GrantMonth).describe('From the grant’s first month to this one, newest first.'),
  })
  .meta({ id: 'GrantUsage' });
export type GrantUsage = z.infer<typeof GrantUsage>;

export const GrantUsageQuery = z.strictObject({ months: z.coerce.number().int().min(1).max(36).default(12) });

export const IdleServer = z
  .object({
    server: z.object({ id: z.uuid(), hostname: z.string() }),
    project: z.object({ id: z.uuid(), slug: z.string(), name: z.string() }),
    program: z.object({ id: z.uuid(), slug: z.string() }).nullable().describe('The program of the server’s grant.'),
    plan: z.string(),
    metro: z.string(),
    idle_since: z.string().describe('The last sign of use: becoming active, a heartbeat, an SSH session or a day with traffic.'),
    idle_days: z.number().int(),
    threshold_days: z.number().int().describe('The program’s idle days.'),
    last_heartbeat_at: z.string().nullable(),
    last_ssh_session_at: z.string().nullable(),
    last_traffic_on: z.string().nullable(),
    price_cents_per_hour: z.number().int(),
    currency: z.string().describe('The currency of its program, which its amounts are in (USD for a server outside any program).'),
    consumed_since_idle_cents: z.number().int().describe('Credit the server used while idle (counted as allocated).'),
    cents_per_month: z.number().int().describe('What it keeps costing per month (730 hours).'),
    nudged_at: z.string().nullable().describe('When the owners were nudged.'),
  })
  .meta({ id: 'IdleServer' });
export type IdleServer = z.infer<typeof IdleServer>;

export const IdleServerList = z
  .object({
    items: z.array(IdleServer).describe('Longest idle first.'),
    currency: z.string().nullable().describe('The currency every item is in; null when they are in several (see totals).'),
    consumed_since_idle_cents: z
      .number()
      .int()
      .nullable()
      .describe('Credit all of them used while idle, in `currency`; null when they are in several currencies.'),
    cents_per_month: z
      .number()
      .int()
      .nullable()
      .describe('What all of them keep costing per month (730 hours), in `currency`; null when they are in several currencies.'),
    totals: z
      .array(
        z.object({
          currency: z.string(),
          servers: z.number().int(),
          consumed_since_idle_cents: z.number().int(),
          cents_per_month: z.number().int(),
        }),
      )
      .describe('The sums per currency, largest monthly cost first: amounts in different currencies are never added.'),
  })
  .meta({ id: 'IdleServerList' });
export type IdleServerList = z.infer<typeof IdleServerList>;

export const IdleServerQuery = z.strictObject({
  program: z.string().min(1).max(64).optional().describe('Only servers of this program’s grants (id or slug).'),
});
export type IdleServerQuery = z.infer<typeof IdleServerQuery>;

export const ProjectBurn = z
  .object({
    month: z.string(),
    days_left_in_month: z.number().int(),
    grants: z.array(
      z.object({
        id: z.uuid(),
        program: z.string(),
        currency: z.string(),
        credit_cents: z.number().int(),
        spent_cents: z.number().int(),
        remaining_cents: z.number().int(),
        percent_used: z.number().int(),
        forecast_cents: z.number().int().describe('This month’s spend at the month-to-date burn rate.'),
        is_exhausted: z.boolean().describe('At 100 %: new servers are refused until next month.'),
        last_day: z.string().nullable().describe('When the grant ends (or lapses, for an ongoing grant).'),
        days_left: z.number().int().nullable(),
      }),
    ),
    idle_servers: z.array(z.object({ id: z.uuid(), hostname: z.string(), idle_since: z.string() })),
  })
  .meta({ id: 'ProjectBurn' });
export type ProjectBurn = z.infer<typeof ProjectBurn>;

export const ProjectUsageParam = z.object({ project: z.string().min(1).max(100) });
export const ProgramUsageParam = z.object({ program: z.string().min(1).max(64) });
export const GrantUsageParam = z.object({ id: z.uuid() });
