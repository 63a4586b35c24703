import assert from 'node:assert/strict';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, describe, it } from 'node:test';
import { sql } from 'kysely';
import type { WebhookPayloads } from '../src/webhooks/webhook-events.ts';
import { WEBHOOK_MAX_ATTEMPTS } from '../src/webhooks/webhooks.service.ts';
import { createTestApp } from './harness.ts';

type Received = { path: string; headers: IncomingHttpHeaders; body: string };

/** A real HTTP receiver on loopback. Each path answers with the statuses queued for it, then 200. */
async function startReceiver() {
  const received: Received[] = [];
  const statuses = new Map<string, number[]>();
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const path = request.url ?? '/';
      received.push({ path, headers: request.headers, body: Buffer.concat(chunks).toString('utf8') });
      const queue = statuses.get(path) ?? [];
      const status = queue.length > 1 ? (queue.shift() as number) : (queue[0] ?? 200);
      response.writeHead(status, { 'content-type': 'text/plain' }).end(status < 300 ? 'thanks' : 'no');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    base,
    received,
    /** Answers these statuses in turn; the last one repeats. */
    answer(path: string, ...codes: number[]) {
      statuses.set(path, codes);
    },
    at: (path: string) => received.filter((request) => request.path === path),
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** What a receiver does with the secret it was shown: HMAC-SHA256 of the raw body, compared in constant time. */
function verifies(secret: string, body: string, header: string | string[] | undefined): boolean {
  const expected = Buffer.from(`sha256=${createHmac('sha256', secret).update(body).digest('hex')}`);
  const given = Buffer.from(String(header ?? ''));
  return given.length === expected.length && timingSafeEqual(given, expected);
}

const receiver = await startReceiver();
after(() => receiver.stop());
const t = await createTestApp();
const admin = await t.user({ roles: ['admin'] });
const lead = await t.user({ roles: ['reviewer'] });
const reviewer = await t.user({ roles: ['reviewer'] });

async function createProgram(slug: string) {
  const response = await t.call('POST', '/api/v1/programs', {
    as: admin.token,
    body: { slug, name: `Program ${slug}`, budget_cents_per_year: 50_000_000 },
  });
  assert.equal(response.status, 201, JSON.stringify(response.body));
  return response.body as { id: string; slug: string; name: string };
}

const program = await createProgram('hooks');
const otherProgram = await createProgram('other-hooks');
const staffed = await t.call('PUT', '/api/v1/programs/hooks/staff', { as: admin.token, body: { user_id: lead.id, role: 'lead' } });
assert.equal(staffed.status, 200, JSON.stringify(staffed.body));
await t.call('PUT', '/api/v1/programs/hooks/staff', { as: admin.token, body: { user_id: reviewer.id, role: 'reviewer' } });

async function createWebhook(path: string, events?: string[], programSlug = 'hooks') {
  const response = await t.call('POST', `/api/v1/programs/${programSlug}/webhooks`, {
    as: programSlug === 'hooks' ? lead.token : admin.token,
    body: { url: `${receiver.base}${path}`, ...(events ? { events } : {}) },
  });
  assert.equal(response.status, 201, JSON.stringify(response.body));
  return response.body as { webhook: { id: string; url: string; events: string[] }; secret: string };
}

const grant: WebhookPayloads['grant.created']['grant'] = {
  id: '11111111-1111-4111-8111-111111111111',
  request_id: '22222222-2222-4222-8222-222222222222',
  project: { id: '33333333-3333-4333-8333-333333333333', slug: 'kernel-ci', name: 'Kernel CI' },
  monthly_credit_cents: 250_000,
  max_servers: 4,
  allowed_plans: ['c3.small.x86'],
  allowed_metros: ['da'],
  starts_on: '2026-01-01',
  ends_on: '2026-12-31',
  review_on: null,
  state: 'active',
};

function emitGrantCreated(programId = program.id) {
  return t.db.transaction().execute((tx) => t.services.webhooks.emit(tx, programId, 'grant.created', { grant }));
}

function deliveryRow(id: string) {
  return t.db.selectFrom('webhook_deliveries').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
}

// graphile-worker's public jobs view leaves the payload out; its private table is where a delivery's job is found.
function jobFor(deliveryId: string) {
  return sql<{ attempts: number; last_error: string | null; run_at: Date }>`
    select jobs.attempts, jobs.last_error, jobs.run_at
    from graphile_worker._private_jobs jobs join graphile_worker._private_tasks tasks on tasks.id = jobs.task_id
    where tasks.identifier = 'webhook_deliver' and jobs.payload->>'delivery_id' = ${deliveryId}`
    .execute(t.db)
    .then((result) => result.rows[0]);
}

/** Lets a retry run now instead of after graphile-worker's backoff: the wait, not the retry, is skipped. */
async function makeRetryDue(deliveryId: string) {
  await sql`update graphile_worker._private_jobs set run_at = now() where payload->>'delivery_id' = ${deliveryId}`.execute(t.db);
}

describe('program webhooks', () => {
  it('shows the secret once at creation and never again: not in lists, deliveries, audit summaries or the database in clear', async () => {
    const { webhook, secret } = await createWebhook('/secret-check');
    assert.match(secret, /^swh_[A-Za-z0-9_-]{43}$/);
    assert.deepEqual(webhook.events, [
      'request.submitted',
      'request.approved',
      'request.declined',
      'grant.created',
      'grant.expiring',
      'grant.ended',
      'grant.usage_alert',
    ]);

    const [id] = await emitGrantCreated();
    await t.runJobs();
    const responses = [
      await t.call('GET', '/api/v1/programs/hooks/webhooks', { as: lead.token }),
      await t.call('GET', `/api/v1/programs/hooks/webhooks/${webhook.id}/deliveries`, { as: lead.token }),
      await t.call('GET', '/api/v1/programs/hooks', { as: lead.token }),
      await t.call('GET', `/api/v1/audit?target_id=${program.id}`, { as: admin.token }),
    ];
    for (const response of responses) {
      assert.equal(response.status, 200, JSON.stringify(response.body));
      assert.ok(!JSON.stringify(response.body).includes(secret), 'a response after creation carries the secret');
    }
    const listed = responses[0]?.body.items.find((item: { id: string }) => item.id === webhook.id);
    assert.deepEqual(Object.keys(listed).sort(), ['created_at', 'events', 'id', 'is_active', 'url']);

    const audits = await t.db.selectFrom('audit_events').select(['action', 'summary']).where('target_id', '=', program.id).execute();
    const created = audits.find((row) => row.action === 'webhook.created');
    assert.ok(created);
    assert.equal((created.summary as { url: string }).url, webhook.url);
    assert.ok(!audits.some((row) => JSON.stringify(row.summary).includes(secret)));

    const row = await t.db.selectFrom('program_webhooks').select('secret_encrypted').where('id', '=', webhook.id).executeTakeFirstOrThrow();
    assert.ok(!row.secret_encrypted.includes(Buffer.from(secret)));
    assert.ok(!row.secret_encrypted.includes(Buffer.from(secret.slice(4))));

    // Nor does the delivery row the deliveries list is made from.
    const delivery = await deliveryRow(id as string);
    assert.ok(!JSON.stringify(delivery).includes(secret));
  });

  it('POSTs the event signed with the secret, which a receiver verifies, and records the delivery', async () => {
    const { webhook, secret } = await createWebhook('/ok');
    const ids = await emitGrantCreated();
    const deliveryIds = (await t.db.selectFrom('webhook_deliveries').select('id').where('webhook_id', '=', webhook.id).execute()).map(
      (r) => r.id,
    );
    assert.equal(deliveryIds.length, 1);
    assert.ok(ids.includes(deliveryIds[0] as string));
    await t.runJobs();

    const [request] = receiver.at('/ok');
    assert.ok(request, 'the receiver got nothing');
    assert.equal(receiver.at('/ok').length, 1);
    assert.equal(request.headers['content-type'], 'application/json');
    assert.equal(request.headers['x-surplus-event'], 'grant.created');
    assert.equal(request.headers['x-surplus-delivery'], deliveryIds[0]);
    assert.ok(verifies(secret, request.body, request.headers['x-surplus-signature-256']), 'the signature does not verify');
    assert.ok(!verifies('another-secret', request.body, request.headers['x-surplus-signature-256']));

    const envelope = JSON.parse(request.body);
    assert.equal(envelope.id, deliveryIds[0]);
    assert.equal(envelope.event, 'grant.created');
    assert.deepEqual(envelope.program, { id: program.id, slug: 'hooks', name: 'Program hooks' });
    assert.deepEqual(envelope.data, { grant });
    assert.ok(!Number.isNaN(Date.parse(envelope.created_at)));

    const row = await deliveryRow(deliveryIds[0] as string);
    assert.equal(row.state, 'delivered');
    assert.equal(row.status_code, 200);
    assert.equal(row.attempts, 1);
    assert.equal(row.error, null);
    assert.ok(row.delivered_at);
    assert.equal(await jobFor(row.id), undefined, 'a delivered job stays in the queue');

    const listed = await t.call('GET', `/api/v1/programs/hooks/webhooks/${webhook.id}/deliveries`, { as: lead.token });
    assert.equal(listed.status, 200);
    assert.deepEqual(
      listed.body.items.map((item: { id: string; state: string; status_code: number; attempts: number; event: string }) => [
        item.id,
        item.event,
        item.state,
        item.status_code,
        item.attempts,
      ]),
      [[row.id, 'grant.created', 'delivered', 200, 1]],
    );
    assert.deepEqual(listed.body.items[0].payload, envelope);
  });

  it('delivers only to active webhooks of that program subscribed to the event, and nothing when the change rolls back', async () => {
    const endedOnly = await createWebhook('/ended-only', ['grant.ended']);
    const elsewhere = await createWebhook('/elsewhere', ['grant.created'], 'other-hooks');
    await emitGrantCreated();
    const count = async (webhookId: string) =>
      (await t.db.selectFrom('webhook_deliveries').select('id').where('webhook_id', '=', webhookId).execute()).length;
    assert.equal(await count(endedOnly.webhook.id), 0);
    assert.equal(await count(elsewhere.webhook.id), 0);

    await t.db
      .transaction()
      .execute((tx) => t.services.webhooks.emit(tx, program.id, 'grant.ended', { grant: { ...grant, state: 'expired' }, reason: null }));
    assert.equal(await count(endedOnly.webhook.id), 1);

    await assert.rejects(
      t.db.transaction().execute(async (tx) => {
        await t.services.webhooks.emit(tx, otherProgram.id, 'grant.created', { grant });
        throw new Error('the grant was not created after all');
      }),
      /not created/,
    );
    assert.equal(await count(elsewhere.webhook.id), 0);
    const { rows } = await sql<{ n: string }>`select count(*) as n from graphile_worker._private_jobs
      where payload->>'delivery_id' is not null and payload->>'delivery_id' not in (select id::text from webhook_deliveries)`.execute(t.db);
    assert.equal(Number(rows[0]?.n), 0, 'a rolled-back emit left a job behind');
    await t.runJobs();
  });

  it('retries a receiver that answers 500, with graphile-worker’s backoff, and records each attempt', async () => {
    // A program of its own, so this delivery is the only job and the runner is done long before its retry is due.
    const alone = await createProgram('retries');
    const { webhook, secret } = await createWebhook('/flaky', ['grant.created'], 'retries');
    receiver.answer('/flaky', 500, 200);
    await emitGrantCreated(alone.id);
    const { id } = await t.db.selectFrom('webhook_deliveries').select('id').where('webhook_id', '=', webhook.id).executeTakeFirstOrThrow();
    await t.runJobs();

    const failed = await deliveryRow(id);
    assert.equal(failed.state, 'pending');
    assert.equal(failed.status_code, 500);
    assert.equal(failed.error, 'HTTP 500');
    assert.equal(failed.attempts, 1);
    const job = await jobFor(id);
    assert.ok(job, 'the failed delivery has no job left to retry it');
    assert.equal(job.attempts, 1);
    // graphile-worker schedules the n-th retry e^n seconds after the failure, which came after the delivery was made.
    assert.ok(job.run_at.getTime() - failed.created_at.getTime() >= Math.E * 1000, 'the retry is not backed off');
    assert.match(job.last_error ?? '', new RegExp(`webhook delivery ${id} attempt 1: HTTP 500`));
    assert.ok(!(job.last_error ?? '').includes(secret) && !(job.last_error ?? '').includes(receiver.base));

    await makeRetryDue(id);
    await t.runJobs();
    const delivered = await deliveryRow(id);
    assert.equal(delivered.state, 'delivered');
    assert.equal(delivered.status_code, 200);
    assert.equal(delivered.error, null);
    assert.equal(delivered.attempts, 2);
    assert.equal(await jobFor(id), undefined);

    // The retry is the same delivery: same id, same body, same signature, for the receiver to deduplicate.
    const requests = receiver.at('/flaky');
    assert.equal(requests.length, 2);
    assert.equal(requests[0]?.headers['x-surplus-delivery'], requests[1]?.headers['x-surplus-delivery']);
    assert.equal(requests[0]?.body, requests[1]?.body);
    assert.ok(requests.every((request) => verifies(secret, request.body, request.headers['x-surplus-signature-256'])));
  });

  it('gives up after the last attempt, at once on a 4xx, and records why an unreachable receiver failed', async () => {
    const down = await createWebhook('/down', ['grant.created']);
    const gone = await createWebhook('/gone', ['grant.created']);
    receiver.answer('/down', 503);
    receiver.answer('/gone', 410);
    await emitGrantCreated();
    const idOf = async (webhookId: string) =>
      (await t.db.selectFrom('webhook_deliveries').select('id').where('webhook_id', '=', webhookId).executeTakeFirstOrThrow()).id;
    const [downId, goneId] = [await idOf(down.webhook.id), await idOf(gone.webhook.id)];
    // As if the earlier attempts had all failed: the next one is the last.
    await t.db
      .updateTable('webhook_deliveries')
      .set({ attempts: WEBHOOK_MAX_ATTEMPTS - 1 })
      .where('id', '=', downId)
      .execute();
    await t.runJobs();

    const lastAttempt = await deliveryRow(downId);
    assert.deepEqual([lastAttempt.state, lastAttempt.status_code, lastAttempt.attempts], ['failed', 503, WEBHOOK_MAX_ATTEMPTS]);
    assert.equal(await jobFor(downId), undefined);
    const refused = await deliveryRow(goneId);
    assert.deepEqual([refused.state, refused.status_code, refused.attempts, refused.error], ['failed', 410, 1, 'HTTP 410']);
    assert.equal(await jobFor(goneId), undefined);
    assert.equal(await t.services.webhooks.deliver(goneId), 'already failed');
    assert.equal(receiver.at('/gone').length, 1);

    // A port nothing listens on.
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const alone = await createProgram('unreachable');
    const created = await t.call('POST', '/api/v1/programs/unreachable/webhooks', {
      as: admin.token,
      body: { url: `http://127.0.0.1:${port}/nobody`, events: ['grant.created'] },
    });
    assert.equal(created.status, 201);
    await emitGrantCreated(alone.id);
    const unreachableId = await idOf(created.body.webhook.id);
    await t.runJobs();
    const unreachable = await deliveryRow(unreachableId);
    assert.deepEqual(
      [unreachable.state, unreachable.status_code, unreachable.error, unreachable.attempts],
      ['pending', null, 'ECONNREFUSED', 1],
    );
  });

  it('pings one webhook on demand, whatever it subscribed to', async () => {
    const { webhook, secret } = await createWebhook('/ping', ['grant.ended']);
    const ping = await t.call('POST', `/api/v1/programs/hooks/webhooks/${webhook.id}/ping`, { as: lead.token });
    assert.equal(ping.status, 202, JSON.stringify(ping.body));
    assert.equal(ping.body.event, 'ping');
    assert.equal(ping.body.state, 'pending');
    await t.runJobs();
    const [request] = receiver.at('/ping');
    assert.ok(request);
    assert.equal(request.headers['x-surplus-event'], 'ping');
    assert.equal(request.headers['x-surplus-delivery'], ping.body.id);
    assert.ok(verifies(secret, request.body, request.headers['x-surplus-signature-256']));
    assert.deepEqual(JSON.parse(request.body).data, { webhook_id: webhook.id });
  });

  it('deletes a webhook, after which it gets nothing; the audit keeps the URL, not the secret', async () => {
    const { webhook, secret } = await createWebhook('/deleted', ['grant.created']);
    const deleted = await t.call('DELETE', `/api/v1/programs/hooks/webhooks/${webhook.id}`, { as: lead.token });
    assert.equal(deleted.status, 204);
    assert.equal((await t.call('DELETE', `/api/v1/programs/hooks/webhooks/${webhook.id}`, { as: lead.token })).status, 404);
    await emitGrantCreated();
    await t.runJobs();
    assert.equal(receiver.at('/deleted').length, 0);
    const audit = await t.db
      .selectFrom('audit_events')
      .select('summary')
      .where('action', '=', 'webhook.deleted')
      .where('target_id', '=', program.id)
      .execute();
    assert.deepEqual(
      audit.map((row) => row.summary),
      [{ webhook_id: webhook.id, url: webhook.url }],
    );
    assert.ok(!JSON.stringify(audit).includes(secret));
  });

  it('lets only admins and the program’s leads manage webhooks, and hides other programs’ webhooks', async () => {
    const plain = await t.user();
    const body = { url: `${receiver.base}/denied` };
    for (const [who, status] of [
      [reviewer, 403],
      [plain, 403],
      [admin, 201],
    ] as const) {
      const response = await t.call('POST', '/api/v1/programs/hooks/webhooks', { as: who.token, body });
      assert.equal(response.status, status, `${who.email}: ${JSON.stringify(response.body)}`);
      assert.equal((await t.call('GET', '/api/v1/programs/hooks/webhooks', { as: who.token })).status, status === 201 ? 200 : 403);
    }
    // The lead of "hooks" is nobody on "other-hooks".
    assert.equal((await t.call('GET', '/api/v1/programs/other-hooks/webhooks', { as: lead.token })).status, 403);
    const foreign = await createWebhook('/foreign', ['grant.created'], 'other-hooks');
    assert.equal((await t.call('DELETE', `/api/v1/programs/hooks/webhooks/${foreign.webhook.id}`, { as: admin.token })).status, 404);
    assert.equal(
      (await t.call('GET', `/api/v1/programs/hooks/webhooks/${foreign.webhook.id}/deliveries`, { as: admin.token })).status,
      404,
    );
    assert.equal((await t.call('GET', '/api/v1/programs/nope/webhooks', { as: admin.token })).status, 404);
  });

  it('refuses URLs that are not http(s), carry credentials, or events it does not know, naming the field', async () => {
    const cases: [unknown, string][] = [
      [{ url: 'ftp://example.org/hook' }, 'url'],
      [{ url: 'not a url' }, 'url'],
      [{ url: 'https://user:pass@example.org/hook' }, 'url'],
      [{ url: 'https://example.org/hook', events: ['grant.created', 'grant.exploded'] }, 'events.1'],
      [{ url: 'https://example.org/hook', events: [] }, 'events'],
      [{ url: 'https://example.org/hook', secret: 'mine' }, 'secret'],
    ];
    for (const [body, field] of cases) {
      const response = await t.call('POST', '/api/v1/programs/hooks/webhooks', { as: lead.token, body });
      assert.equal(response.status, 400, JSON.stringify(body));
      assert.ok(
        response.body.error.fields.some((f: { field: string }) => f.field === field),
        `${JSON.stringify(body)} → ${JSON.stringify(response.body.error.fields)}`,
      );
    }
    const count = await t.db
      .selectFrom('program_webhooks')
      .select('id')
      .where('url', 'in', ['ftp://example.org/hook', 'https://example.org/hook'])
      .execute();
    assert.deepEqual(count, []);
  });
  it('announces request.submitted when a request is submitted and again when it is resubmitted, not for drafts', async () => {
    const { webhook } = await createWebhook('/submitted', ['request.submitted']);
    const owner = await t.user();
    const project = await t.project(owner);
    const draft = await t.call('POST', '/api/v1/requests', {
      as: owner.token,
      body: {
        program: program.slug,
        project: project.slug,
        purpose: 'ci_cd',
        description: 'CI on arm64',
        resources: [{ plan: 'c3.small.x86', quantity: 1, metro: 'da', operating_system: 'ubuntu_22_04' }],
        end_on: new Date(Date.now() + 90 * 86_400_000).toISOString().slice(0, 10),
        submit: false,
      },
    });
    assert.equal(draft.status, 201, JSON.stringify(draft.body));
    const deliveries = () =>
      t.db
        .selectFrom('webhook_deliveries')
        .select(['event', 'payload'])
        .where('webhook_id', '=', webhook.id)
        .orderBy('created_at')
        .execute();
    assert.deepEqual(await deliveries(), [], 'a draft is not announced');

    const submitted = await t.call('POST', `/api/v1/requests/${draft.body.id}/submit`, { as: owner.token });
    assert.equal(submitted.status, 200, JSON.stringify(submitted.body));
    const changes = await t.call('POST', `/api/v1/requests/${draft.body.id}/request-changes`, {
      as: reviewer.token,
      body: { reason: 'Say which arm64 boards you test on.' },
    });
    assert.equal(changes.status, 200, JSON.stringify(changes.body));
    const resubmitted = await t.call('POST', `/api/v1/requests/${draft.body.id}/submit`, { as: owner.token });
    assert.equal(resubmitted.status, 200, JSON.stringify(resubmitted.body));

    const rows = await deliveries();
    assert.deepEqual(
      rows.map((row) => [row.event, (row.payload as any).data.from_state, (row.payload as any).data.request.state]),
      [
        ['request.submitted', 'draft', 'submitted'],
        ['request.submitted', 'changes_requested', 'submitted'],
      ],
    );
    const payload = rows[0]?.payload as any;
    assert.ok(payload, 'a request.submitted event was recorded');
    const data = payload.data;
    assert.equal(data.request.id, draft.body.id);
    assert.equal(data.request.number, draft.body.number);
    assert.equal(data.request.source, 'web');
    assert.equal(data.request.github_issue, null);
    assert.deepEqual(data.request.project, { id: project.id, slug: project.slug, name: project.name });
    assert.equal(payload.program.slug, program.slug);
    await t.runJobs();
    const received = receiver.at('/submitted').map((request) => JSON.parse(request.body).event);
    assert.deepEqual(received, ['request.submitted', 'request.submitted']);
  });
});
