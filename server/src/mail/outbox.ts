import { sql } from 'kysely';
import type { Executor } from '../db/database.ts';

export type OutgoingEmail = { to: string; subject: string; text: string };

/**
 * Emails are written in the transaction of the change that causes them and delivered by the
 * `mail.send` job, so a crash can delay an email but never lose or invent one.
 */
export class Outbox {
  async enqueue(tx: Executor, email: OutgoingEmail): Promise<string> {
    const row = await tx
      .insertInto('emails')
      .values({ to_address: email.to, subject: email.subject, body_text: email.text })
      .returning('id')
      .executeTakeFirstOrThrow();
    await sql`select graphile_worker.add_job('mail_send', json_build_object('email_id', ${row.id}::text), max_attempts => 10)`.execute(tx);
    return row.id;
  }
}
