import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { after, describe, it } from 'node:test';
import { sql } from 'kysely';
import { Mailer } from '../src/mail/mailer.ts';
import { startSmtpInbox } from './fixtures/smtp-inbox.ts';
import { createTestApp } from './harness.ts';

const inbox = await startSmtpInbox();
after(() => inbox.stop());
const from = 'Surplus <surplus@partners.example>';
const t = await createTestApp({ mail: { smtpUrl: inbox.smtpUrl, from }, publicUrl: 'https://surplus.example' });

async function invite(ownerName: string) {
  const owner = await t.user({ name: ownerName });
  const project = await t.project(owner, { name: `Mirror ${randomBytes(3).toString('hex')}` });
  const email = `invitee-${randomBytes(4).toString('hex')}@example.net`;
  const response = await t.call('POST', `/api/v1/projects/${project.slug}/invitations`, { as: owner.token, body: { email } });
  assert.equal(response.status, 201, JSON.stringify(response.body));
  const row = await t.db.selectFrom('emails').selectAll().where('to_address', '=', email).executeTakeFirstOrThrow();
  return { owner, project, email, emailId: row.id, acceptUrl: response.body.accept_url as string };
}

describe('invitation email over real SMTP', () => {
  it('delivers the invitation to the invitee, whose emailed link makes them a member', async () => {
    const before = inbox.messages.length;
    const { project, email, emailId } = await invite('Zoë Owner');
    await t.runJobs();

    const [message] = (await inbox.waitFor(before + 1)).slice(before);
    assert.ok(message);
    assert.deepEqual(message.envelope, { from: 'surplus@partners.example', to: [email] });
    assert.equal(message.headers.get('to'), email);
    assert.match(message.headers.get('from') ?? '', /surplus@partners\.example/);
    assert.equal(message.subject, `Zoë Owner invited you to ${project.name} on Surplus`);
    assert.match(message.text, new RegExp(`join ${project.name} as a member`));

    const link = /https:\/\/surplus\.example\/invitations\/accept\?token=(\S+)/.exec(message.text);
    assert.ok(link, `no accept link in:\n${message.text}`);
    const token = decodeURIComponent(link[1] as string);

    // The invitee may have no account yet when the email arrives; they sign up, then follow the link.
    const invitee = await t.user({ email });
    const accepted = await t.call('POST', '/api/v1/invitations/accept-token', { as: invitee.token, body: { token } });
    assert.equal(accepted.status, 200, JSON.stringify(accepted.body));
    assert.equal(accepted.body.state, 'accepted');
    const members = await t.call('GET', `/api/v1/projects/${project.slug}/members`, { as: invitee.token });
    assert.equal(members.status, 200);
    assert.deepEqual(
      members.body.items
        .filter((member: { user: { id: string } }) => member.user.id === invitee.id)
        .map((member: { role: string }) => member.role),
      ['member'],
    );

    const row = await t.db.selectFrom('emails').selectAll().where('id', '=', emailId).executeTakeFirstOrThrow();
    assert.ok(row.sent_at);
    assert.equal(row.attempts, 1);
    assert.equal(row.last_error, null);
  });

  it('sends once even when the job runs again', async () => {
    const { email, emailId } = await invite('Retry Owner');
    await t.runJobs();
    const countFor = () => inbox.messages.filter((message) => message.envelope.to.includes(email)).length;
    assert.equal(countFor(), 1);
    const sentAt = (await t.db.selectFrom('emails').select('sent_at').where('id', '=', emailId).executeTakeFirstOrThrow()).sent_at;
    assert.ok(sentAt);

    // A retry of the same job, as graphile-worker would after a crash before it recorded success.
    await sql`select graphile_worker.add_job('mail_send', json_build_object('email_id', ${emailId}::text))`.execute(t.db);
    await t.runJobs();
    assert.equal(await t.services.mailer.deliver(emailId), 'already sent');
    assert.equal(countFor(), 1);
    const row = await t.db.selectFrom('emails').selectAll().where('id', '=', emailId).executeTakeFirstOrThrow();
    assert.deepEqual(row.sent_at, sentAt);
    assert.equal(row.attempts, 1);
  });

  it('keeps the email with its error when the SMTP server is unreachable, and sends it later', async () => {
    const { email, emailId } = await invite('Patient Owner');
    const down = new Mailer(t.db, { smtpUrl: `smtp://127.0.0.1:${await closedPort()}`, from });
    try {
      await assert.rejects(down.deliver(emailId), /ECONNREFUSED/);
    } finally {
      down.close();
    }
    const failed = await t.db.selectFrom('emails').selectAll().where('id', '=', emailId).executeTakeFirstOrThrow();
    assert.equal(failed.sent_at, null);
    assert.equal(failed.attempts, 1);
    assert.match(failed.last_error ?? '', /ECONNREFUSED/);

    await t.runJobs();
    assert.equal(inbox.messages.filter((message) => message.envelope.to.includes(email)).length, 1);
    const sent = await t.db.selectFrom('emails').selectAll().where('id', '=', emailId).executeTakeFirstOrThrow();
    assert.ok(sent.sent_at);
    assert.equal(sent.last_error, null);
    assert.equal(sent.attempts, 2);
  });

  it('records why nothing was sent when SMTP is not configured', async () => {
    const { emailId } = await invite('Unconfigured Owner');
    const unconfigured = new Mailer(t.db, { smtpUrl: null, from });
    assert.equal(await unconfigured.deliver(emailId), 'not configured');
    const row = await t.db.selectFrom('emails').selectAll().where('id', '=', emailId).executeTakeFirstOrThrow();
    assert.equal(row.sent_at, null);
    assert.match(row.last_error ?? '', /SURPLUS_SMTP_URL/);
    await t.runJobs();
  });
});

/** A port nothing listens on: bound, noted and released. */
function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}
