import { sql } from 'kysely';
import type { Executor } from '../db/database.ts';

export class WebhooksRepository {
  insert(db: Executor, webhook: { id: string; program_id: string; url: string; secret_encrypted: Buffer; events: string[] }) {
    return db.insertInto('program_webhooks').values(webhook).returningAll().executeTakeFirstOrThrow();
  }

  list(db: Executor, programId: string) {
    return db.selectFrom('program_webhooks').selectAll().where('program_id', '=', programId).orderBy('created_at').orderBy('id').execute();
  }

  find(db: Executor, programId: string, id: string) {
    return db.selectFrom('program_webhooks').selectAll().where('program_id', '=', programId).where('id', '=', id).executeTakeFirst();
  }

  delete(db: Executor, programId: string, id: string) {
    return db
      .deleteFrom('program_webhooks')
      .where('program_id', '=', programId)
      .where('id', '=', id)
      .returning(['id', 'url'])
      .executeTakeFirst();
  }

  /** Active webhooks of the program that subscribed to the event, with the program they belong to. */
  subscribed(db: Executor, programId: string, event: string) {
    return db
      .selectFrom('program_webhooks')
      .innerJoin('programs', 'programs.id', 'program_webhooks.program_id')
      .select(['program_webhooks.id', 'programs.id as program_id', 'programs.slug as program_slug', 'programs.name as program_name'])
      .where('program_webhooks.program_id', '=', programId)
      .where('program_webhooks.is_active', '=', true)
      .where(sql<boolean>`${event} = any(program_webhooks.events)`)
      .execute();
  }

  programRef(db: Executor, programId: string) {
    return db.selectFrom('programs').select(['id', 'slug', 'name']).where('id', '=', programId).executeTakeFirstOrThrow();
  }

  async insertDelivery(db: Executor, delivery: { id: string; webhook_id: string; event: string; payload: unknown }) {
    await db
      .insertInto('webhook_deliveries')
      .values({ ...delivery, payload: JSON.stringify(delivery.payload) })
      .execute();
  }

  async enqueueDelivery(db: Executor, deliveryId: string, maxAttempts: number) {
    await sql`select graphile_worker.add_job('webhook_deliver', json_build_object('delivery_id', ${deliveryId}::text), max_attempts => ${maxAttempts}::int)`.execute(
      db,
    );
  }

  findDelivery(db: Executor, deliveryId: string) {
    return db.selectFrom('webhook_deliveries').selectAll().where('id', '=', deliveryId).executeTakeFirstOrThrow();
  }

  /** The delivery with what sending it needs (its one job is what keeps two workers from sending it at once). */
  findForDelivery(db: Executor, deliveryId: string) {
    return db
      .selectFrom('webhook_deliveries')
      .innerJoin('program_webhooks', 'program_webhooks.id', 'webhook_deliveries.webhook_id')
      .select([
        'webhook_deliveries.id',
        'webhook_deliveries.event',
        'webhook_deliveries.payload',
        'webhook_deliveries.state',
        'webhook_deliveries.attempts',
        'program_webhooks.id as webhook_id',
        'program_webhooks.url',
        'program_webhooks.secret_encrypted',
        'program_webhooks.is_active',
      ])
      .where('webhook_deliveries.id', '=', deliveryId)
      .executeTakeFirst();
  }

  /** Counted before sending: an attempt that crashes the process mid-request still shows. */
  async countAttempt(db: Executor, deliveryId: string): Promise<number> {
    const row = await db
      .updateTable('webhook_deliveries')
      .set({ attempts: sql`attempts + 1` })
      .where('id', '=', deliveryId)
      .returning('attempts')
      .executeTakeFirstOrThrow();
    return row.attempts;
  }

  async recordOutcome(
    db: Executor,
    deliveryId: string,
    outcome: { state: 'pending' | 'delivered' | 'failed'; statusCode: number | null; error: string | null },
  ) {
    await db
      .updateTable('webhook_deliveries')
      .set({
        state: outcome.state,
        status_code: outcome.statusCode,
        error: outcome.error,
        ...(outcome.state === 'delivered' ? { delivered_at: sql`now()` } : {}),
      })
      .where('id', '=', deliveryId)
      .execute();
  }

  listDeliveries(db: Executor, webhookId: string, options: { after?: { at: Date; id: string }; limit: number }) {
    let query = db.selectFrom('webhook_deliveries').selectAll().where('webhook_id', '=', webhookId);
    const after = options.after;
    if (after) {
      // Compared against the cursor row's own timestamp (microseconds), as in ProjectsRepository.
      query = query.where(
        sql<boolean>`(webhook_deliveries.created_at, webhook_deliveries.id) < (
          coalesce((select c.created_at from webhook_deliveries c where c.id = ${after.id}::uuid), ${after.at}::timestamptz),
          ${after.id}::uuid
        )`,
      );
    }
    return query
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(options.limit + 1)
      .execute();
  }
}
