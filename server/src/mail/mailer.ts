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
    const email = await this.db.selectFrom('emails').selectAll().where('id', '=', emailId).executeTakeFirst();
    if (!email) return 'missing';
    if (email.sent_at) return 'already sent';
    if (!this.transport) {
      await this.db
        .updateTable('emails')
        .set({ last_error: 'SMTP is not configured (SURPLUS_SMTP_URL)' })
        .where('id', '=', emailId)
        .execute();
      return 'not configured';
    }
    try {
      await this.transport.sendMail({ from: this.settings.from, to: email.to_address, subject: email.subject, text: email.body_text });
    } catch (error) {
      await this.db
        .updateTable('emails')
        .set({ last_error: (error as Error).message.slice(0, 500), attempts: sql`attempts + 1` })
        .where('id', '=', emailId)
        .execute();
      throw error;
    }
    await this.db
      .updateTable('emails')
      .set({ sent_at: sql`now()`, last_error: null, attempts: sql`attempts + 1` })
      .where('id', '=', emailId)
      .execute();
    return 'sent';
  }

  close() {
    this.transport?.close();
  }
}
