/**
 * The program events Surplus sends to webhooks, and the `data` each carries. Receivers get every
 * event wrapped in the same envelope (see WebhookEnvelope); docs/notifications-and-webhooks.md shows
 * examples. Add fields freely; renaming or removing one breaks receivers.
 */
export const WEBHOOK_EVENTS = [
  'request.submitted',
  'request.approved',
  'request.declined',
  'grant.created',
  'grant.expiring',
  'grant.ended',
  'grant.usage_alert',
] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

/** Sent only by "ping", to the one webhook pinged, whatever it subscribed to. */
export type PingEvent = 'ping';

export type ProjectRef = { id: string; slug: string; name: string };

export type WebhookRequest = {
  id: string;
  /** The program-wide request number people quote (#42). */
  number: number;
  title: string;
  purpose: 'ci_cd' | 'benchmarking' | 'labs' | 'hosting' | 'other' | null;
  source: 'web' | 'github';
  /** The issue number for requests that came from the program's GitHub repository. */
  github_issue: number | null;
  /** Null only for GitHub requests whose author has not claimed a project yet. */
  project: ProjectRef | null;
  monthly_estimate_cents: number;
  state: string;
};

export type WebhookGrant = {
  id: string;
  request_id: string;
  project: ProjectRef;
  monthly_credit_cents: number;
  max_servers: number;
  allowed_plans: string[];
  allowed_metros: string[];
  /** Calendar dates, YYYY-MM-DD. */
  starts_on: string;
  ends_on: string | null;
  review_on: string | null;
  state: 'active' | 'expiring' | 'expired' | 'revoked';
};

export type WebhookPayloads = {
  'request.submitted': {
    request: WebhookRequest;
    /** The state it left: draft or needs_info when first submitted, changes_requested when resubmitted. */
    from_state: string | null;
  };
  'request.approved': { request: WebhookRequest; grant_id: string | null; reason: string | null };
  'request.declined': { request: WebhookRequest; reason: string | null };
  'grant.created': { grant: WebhookGrant };
  'grant.expiring': { grant: WebhookGrant; days_left: number };
  'grant.ended': { grant: WebhookGrant; reason: string | null };
  /** A grant's spend this UTC month reached 50, 80 or 100 % of its monthly credit; sent once per threshold and month. */
  'grant.usage_alert': {
    grant: { id: string; project: ProjectRef; monthly_credit_cents: number };
    /** YYYY-MM-01 */
    month: string;
    threshold_percent: 50 | 80 | 100;
    spent_cents: number;
    /** What happens to running servers at 100 %: the program's over-cap policy. */
    over_cap: 'notify' | 'power_off';
  };
  ping: { webhook_id: string };
};

/** The JSON body of every delivery. `id` equals the X-Surplus-Delivery header and stays the same across retries. */
export type WebhookEnvelope<E extends keyof WebhookPayloads = keyof WebhookPayloads> = {
  id: string;
  event: E;
  created_at: string;
  program: { id: string; slug: string; name: string };
  data: WebhookPayloads[E];
};
