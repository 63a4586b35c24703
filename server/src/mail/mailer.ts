import { sql } from 'kysely';
import nodemailer, { type Transporter } from 'nodemailer';
import type { Db } from '../db/database.ts';

export type MailSettings = { smtpUrl: string | null; from: string };

/** Delivers one outbox row over SMTP; idempotent, so a retried job never sends twice. */
export class Mailer {
  private readonly db: Db;
  private readonly settings: MailSettings;
  private readonly transport: Transporter | null;

  constructor(db: Db, settings: MailSettings) {
    this.db = db;
    this.settings = settings;
    this.transport = settings.smtpUrl ? nodemailer.createTransport(settings.smtpUrl) : null;
  }

  async deliver(emailId: string): Promise<'sent' | 'already sent' | 'not configured' | 'missing'> {
    const transport = this.transport;
    // The row lock makes two concurrent runs of the same job take turns: the second sees sent_at and
    // stops. A crash after the SMTP server accepted but before the commit sends again (at least once).
    let failure: Error | null = null;
    const outcome = await this.db.transaction().execute(async (tx) => {
      const email = await tx.selectFrom('emails').selectAll().where('id', '=', emailId).forUpdate().executeTakeFirst();
      if (!email) return 'missing' as const;
      if (email.sent_at) return 'already sent' as const;
      if (!transport) {
        await tx.updateTable('emails').set({ last_error: 'SMTP is not configured (SURPLUS_SMTP_URL)' }).where('id', '=', emailId).execute();
        return 'not configured' as const;
      }
      try {
        await transport.sendMail({ from: this.settings.from, to: email.to_address, subject: email.subject, text: email.body_text });
      } catch (error) {
        failure = error as Error;
        return 'failed' as const;
      }
      await tx
        .updateTable('emails')
        .set({ sent_at: sql`now()`, last_error: null, attempts: sql`attempts + 1` })
        .where('id', '=', emailId)
        .execute();
      return 'sent' as const;
    });
    if (outcome === 'failed') {
      const error = failure as unknown as Error;
      await this.db
        .updateTable('emails')
        .set({ last_error: error.message.slice(0, 500), attempts: sql`attempts + 1` })
        .where('id', '=', emailId)
        .execute();
      // Rethrown so graphile-worker retries the job with backoff.
      throw error;
    }
    return outcome;
  }

  close() {
    this.transport?.close();
  }
}
