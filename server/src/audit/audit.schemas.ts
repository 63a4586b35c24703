import { z } from 'zod';
import { PageQuery, pageOf } from '../http/pagination.ts';

export const AuditEvent = z
  .object({
    id: z.string(),
    occurred_at: z.string().describe('UTC, ISO 8601.'),
    actor: z.object({ user_id: z.string().nullable(), label: z.string().describe('Email of the actor, or "system".') }),
    action: z.string().describe('Dotted name, e.g. project.created.'),
    target: z.object({ type: z.string(), id: z.string().nullable() }),
    project_id: z.string().nullable(),
    summary: z.record(z.string(), z.unknown()).describe('What changed; never contains secrets.'),
    request_id: z.string().nullable(),
  })
  .meta({ id: 'AuditEvent' });
export type AuditEvent = z.infer<typeof AuditEvent>;

// JavaScript dates reach ±275,760 years; PostgreSQL's timestamptz does not, and a date it refuses
// must be a 400 on the field, not a 500 from the query.
const QueryDate = z.coerce
  .date()
  .min(new Date('0001-01-01T00:00:00Z'), 'must be after the year 0')
  .max(new Date('9999-12-31T23:59:59Z'), 'must be before the year 10000');

export const AuditListQuery = PageQuery.extend({
  actor: z.uuid().optional().describe('Only events by this user id.'),
  action: z.string().max(100).optional().describe('Exact action, or a prefix ending in "." (e.g. "project.").'),
  target_type: z.string().max(50).optional(),
  target_id: z.string().max(100).optional(),
  project: z.uuid().optional(),
  from: QueryDate.optional().describe('Events at or after this time (ISO 8601).'),
  to: QueryDate.optional().describe('Events before this time (ISO 8601).'),
});
export type AuditListQuery = z.infer<typeof AuditListQuery>;

export const AuditPage = pageOf(AuditEvent).meta({ id: 'AuditPage' });
