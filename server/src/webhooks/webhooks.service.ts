import { randomBytes, randomUUID } from 'node:crypto';
import type { AuditService } from '../audit/audit.service.ts';
import type { SecretBox } from '../crypto/secret-box.ts';
import type { Db, Executor } from '../db/database.ts';
import { isAdmin, type SignedIn } from '../http/context.ts';
import { fail, notFound } from '../http/errors.ts';
import { decodeKeyset, toPage } from '../http/pagination.ts';
import type { ProgramsRepository } from '../programs/programs.repository.ts';
import type { ProgramsService } from '../programs/programs.service.ts';
import { signBody } from './signature.ts';
import type { WebhookEnvelope, WebhookEvent, WebhookPayloads } from './webhook-events.ts';
import type { WebhooksRepository } from './webhooks.repository.ts';
import type { Webhook, WebhookCreateBody, WebhookDelivery } from './webhooks.schemas.ts';

/** graphile-worker waits e^n seconds after the n-th failure: ten attempts span about three and a half hours. */
export const WEBHOOK_MAX_ATTEMPTS = 10;
const ERROR_CHARS = 500;

export type DeliveryOutcome = 'delivered' | 'failed' | 'gone' | 'already delivered' | 'already failed';

export type WebhooksOptions = { timeoutMs?: number };

/**
 * Signed outgoing webhooks for program events. `emit` runs in the transaction that made the change
 * and only writes a delivery row and its job; the `webhook_deliver` job sends it, so a receiver that
 * is slow or down never holds up (or rolls back) the change itself.
 */
export class WebhooksService {
  private readonly db: Db;
  private readonly webhooks: WebhooksRepository;
  private readonly programs: ProgramsService;
  private readonly programsRepository: ProgramsRepository;
  private readonly audit: AuditService;
  private readonly secrets: SecretBox;
  private readonly timeoutMs: number;

  constructor(
    db: Db,
    webhooks: WebhooksRepository,
    programs: ProgramsService,
    programsRepository: ProgramsRepository,
    audit: AuditService,
    secrets: SecretBox,
    options: WebhooksOptions = {},
  ) {
    this.db = db;
    this.webhooks = webhooks;
    this.programs = programs;
    this.programsRepository = programsRepository;
    this.audit = audit;
    this.secrets = secrets;
    this.timeoutMs = options.timeoutMs ?? 10_000;
  }

  async list(ctx: SignedIn, programKey: string): Promise<Webhook[]> {
    const program = await this.managed(ctx, programKey);
    return (await this.webhooks.list(this.db, program.id)).map(toWebhook);
  }

  /** The secret is returned here and never again: only its sealed form is stored. */
  async create(ctx: SignedIn, programKey: string, body: WebhookCreateBody): Promise<{ webhook: Webhook; secret: string }> {
    const program = await this.managed(ctx, programKey);
    const id = randomUUID();
    const secret = `swh_${randomBytes(32).toString('base64url')}`;
    const events = [...new Set(body.events)];
    return this.db.transaction().execute(async (tx) => {
      const row = await this.webhooks.insert(tx, {
        id,
        program_id: program.id,
        url: body.url,
        secret_encrypted: this.secrets.seal(secret, secretContext(id)),
        events,
      });
      await this.audit.record(tx, ctx, {
        action: 'webhook.created',
        targetType: 'program',
        targetId: program.id,
        summary: { webhook_id: id, url: body.url, events },
      });
      return { webhook: toWebhook(row), secret };
    });
  }

  async remove(ctx: SignedIn, programKey: string, id: string): Promise<void> {
    const program = await this.managed(ctx, programKey);
    await this.db.transaction().execute(async (tx) => {
      const removed = await this.webhooks.delete(tx, program.id, id);
      if (!removed) notFound('Webhook');
      await this.audit.record(tx, ctx, {
        action: 'webhook.deleted',
        targetType: 'program',
        targetId: program.id,
        summary: { webhook_id: id, url: removed.url },
      });
    });
  }

  async deliveries(ctx: SignedIn, programKey: string, id: string, query: { cursor?: string; limit: number }) {
    const program = await this.managed(ctx, programKey);
    if (!(await this.webhooks.find(this.db, program.id, id))) notFound('Webhook');
    const rows = await this.webhooks.listDeliveries(this.db, id, { after: decodeKeyset(query.cursor), limit: query.limit });
    return toPage(rows, query.limit, toDelivery, (row) => ({ at: row.created_at, id: row.id }));
  }

  /** Sends a `ping` to one webhook, whatever it subscribed to, so a lead can check the receiver. */
  async ping(ctx: SignedIn, programKey: string, id: string): Promise<WebhookDelivery> {
    const program = await this.managed(ctx, programKey);
    return this.db.transaction().execute(async (tx) => {
      if (!(await this.webhooks.find(tx, program.id, id))) notFound('Webhook');
      const deliveryId = await this.enqueue(tx, id, program, 'ping', { webhook_id: id });
      return toDelivery(await this.webhooks.findDelivery(tx, deliveryId));
    });
  }

  /**
   * Records one delivery per active webhook of the program subscribed to `event` and enqueues its
   * job, all in `tx`: call it in the transaction that made the change. Returns the delivery ids.
   */
  async emit<E extends WebhookEvent>(tx: Executor, programId: string, event: E, data: WebhookPayloads[E]): Promise<string[]> {
    const hooks = await this.webhooks.subscribed(tx, programId, event);
    const ids: string[] = [];
    for (const hook of hooks) {
      ids.push(await this.enqueue(tx, hook.id, { id: hook.program_id, slug: hook.program_slug, name: hook.program_name }, event, data));
    }
    return ids;
  }

  /**
   * The `webhook_deliver` job. Throws to have graphile-worker retry (network errors, timeouts, 429
   * and 5xx) until the last attempt; other answers are final. Delivery is at least once: a crash
   * after the receiver answered sends again, with the same X-Surplus-Delivery for it to deduplicate.
   */
  async deliver(deliveryId: string): Promise<DeliveryOutcome> {
    const delivery = await this.webhooks.findForDelivery(this.db, deliveryId);
    if (!delivery) return 'gone';
    if (delivery.state === 'delivered') return 'already delivered';
    if (delivery.state === 'failed') return 'already failed';
    if (!delivery.is_active) {
      await this.webhooks.recordOutcome(this.db, deliveryId, { state: 'failed', statusCode: null, error: 'the webhook is disabled' });
      return 'failed';
    }
    const attempt = await this.webhooks.countAttempt(this.db, deliveryId);
    const secret = this.secrets.open(delivery.secret_encrypted, secretContext(delivery.webhook_id));
    const body = JSON.stringify(delivery.payload);
    let statusCode: number | null = null;
    let error: string;
    try {
      const response = await fetch(delivery.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'Surplus-Webhooks/1',
          'x-surplus-event': delivery.event,
          'x-surplus-delivery': delivery.id,
          'x-surplus-signature-256': signBody(secret, body),
        },
        body,
        // A redirect would resend the signed body somewhere the program lead never configured.
        redirect: 'manual',
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      statusCode = response.status;
      await response.body?.cancel();
      if (statusCode >= 200 && statusCode < 300) {
        await this.webhooks.recordOutcome(this.db, deliveryId, { state: 'delivered', statusCode, error: null });
        return 'delivered';
      }
      error = statusCode >= 300 && statusCode < 400 ? `HTTP ${statusCode}: redirects are not followed` : `HTTP ${statusCode}`;
    } catch (cause) {
      error = describeFetchError(cause);
    }
    const isRetryable = statusCode === null || statusCode >= 500 || statusCode === 429 || statusCode === 408;
    const isFinal = !isRetryable || attempt >= WEBHOOK_MAX_ATTEMPTS;
    await this.webhooks.recordOutcome(this.db, deliveryId, { state: isFinal ? 'failed' : 'pending', statusCode, error });
    // The message lands in the job queue and the worker's log: the delivery id and the reason, never the URL or secret.
    if (!isFinal) throw new Error(`webhook delivery ${deliveryId} attempt ${attempt}: ${error}`);
    return 'failed';
  }

  private async enqueue<E extends keyof WebhookPayloads>(
    tx: Executor,
    webhookId: string,
    program: { id: string; slug: string; name: string },
    event: E,
    data: WebhookPayloads[E],
  ): Promise<string> {
    const id = randomUUID();
    const envelope: WebhookEnvelope<E> = { id, event, created_at: new Date().toISOString(), program, data };
    await this.webhooks.insertDelivery(tx, { id, webhook_id: webhookId, event, payload: envelope });
    await this.webhooks.enqueueDelivery(tx, id, WEBHOOK_MAX_ATTEMPTS);
    return id;
  }

  /** Admins and the program's leads manage its webhooks. */
  private async managed(ctx: SignedIn, programKey: string) {
    const program = await this.programs.find(programKey);
    if (!isAdmin(ctx.actor) && (await this.programsRepository.staffRole(this.db, program.id, ctx.actor.userId)) !== 'lead') {
      fail('ERR_FORBIDDEN', 'Only admins and the program’s leads manage its webhooks.');
    }
    return program;
  }
}

function secretContext(webhookId: string) {
  return `program-webhook:${webhookId}`;
}

function describeFetchError(error: unknown): string {
  if (error instanceof Error && error.name === 'TimeoutError') return 'timed out';
  const cause = error instanceof Error ? (error.cause as { code?: string; message?: string } | undefined) : undefined;
  const message = cause?.code ?? cause?.message ?? (error instanceof Error ? error.message : String(error));
  return message.slice(0, ERROR_CHARS);
}

function toWebhook(row: { id: string; url: string; events: string[]; is_active: boolean; created_at: Date }): Webhook {
  return {
    id: row.id,
    url: row.url,
    events: row.events as Webhook['events'],
    is_active: row.is_active,
    created_at: row.created_at.toISOString(),
  };
}

function toDelivery(row: {
  id: string;
  event: string;
  state: 'pending' | 'delivered' | 'failed';
  status_code: number | null;
  error: string | null;
  attempts: number;
  payload: Record<string, unknown>;
  created_at: Date;
  delivered_at: Date | null;
}): WebhookDelivery {
  return {
    id: row.id,
    event: row.event,
    state: row.state,
    status_code: row.status_code,
    error: row.error,
    attempts: row.attempts,
    payload: row.payload,
    created_at: row.created_at.toISOString(),
    delivered_at: row.delivered_at?.toISOString() ?? null,
  };
}
