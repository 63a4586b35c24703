import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { startSmtpInbox } from './fixtures/smtp-inbox.ts';
import { createTestApp, type TestUser } from './harness.ts';

const inbox = await startSmtpInbox();
after(() => inbox.stop());
const t = await createTestApp({
  mail: { smtpUrl: inbox.smtpUrl, from: 'Surplus <surplus@partners.example>' },
  publicUrl: 'https://surplus.example',
});

function notify(userIds: string[], title: string, options: { email?: boolean; link?: string | null } = {}) {
  return t.db.transaction().execute((tx) =>
    t.services.notifications.notify(tx, {
      userIds,
      kind: 'request.approved',
      title,
      body: `Body of ${title}`,
      link: options.link === undefined ? '/requests/42' : options.link,
      email: options.email,
    }),
  );
}

async function list(user: TestUser, query = '') {
  const response = await t.call('GET', `/api/v1/notifications${query}`, { as: user.token });
  assert.equal(response.status, 200, JSON.stringify(response.body));
  return response.body;
}

describe('notifications', () => {
  it('writes one notification per recipient in the caller’s transaction and emails them over SMTP when asked', async () => {
    const [alice, bob] = [await t.user(), await t.user()];
    const before = inbox.messages.length;
    const ids = await notify([alice.id, bob.id, alice.id], 'Request #42 approved', { email: true });
    assert.equal(ids.length, 2, 'a recipient named twice gets one notification');

    const page = await list(alice);
    assert.equal(page.unread_count, 1);
    assert.deepEqual(
      page.items.map((item: { title: string; body: string; link: string; kind: string; is_read: boolean }) => [
        item.kind,
        item.title,
        item.body,
        item.link,
        item.is_read,
      ]),
      [['request.approved', 'Request #42 approved', 'Body of Request #42 approved', '/requests/42', false]],
    );

    await t.runJobs();
    const received = (await inbox.waitFor(before + 2)).slice(before);
    assert.deepEqual(received.map((message) => message.envelope.to[0]).sort(), [alice.email, bob.email].sort());
    for (const message of received) {
      assert.equal(message.subject, 'Request #42 approved');
      assert.match(message.text, /Body of Request #42 approved/);
      // A path in the UI becomes a link people can follow from their mail client.
      assert.match(message.text, /https:\/\/surplus\.example\/requests\/42/);
    }
  });

  it('emails nobody unless asked, and skips disabled accounts’ email but not their list', async () => {
    const [quiet, disabled] = [await t.user(), await t.user()];
    await t.db.updateTable('users').set({ is_disabled: true }).where('id', '=', disabled.id).execute();
    await notify([quiet.id], 'In-app only');
    await notify([disabled.id], 'To a disabled account', { email: true });
    const emails = await t.db.selectFrom('emails').select('to_address').where('to_address', 'in', [quiet.email, disabled.email]).execute();
    assert.deepEqual(emails, []);
    const rows = await t.db
      .selectFrom('notifications')
      .select('title')
      .where('user_id', 'in', [quiet.id, disabled.id])
      .orderBy('title')
      .execute();
    assert.deepEqual(
      rows.map((row) => row.title),
      ['In-app only', 'To a disabled account'],
    );
  });

  it('writes nothing, and sends nothing, when the caller’s transaction rolls back', async () => {
    const user = await t.user();
    await assert.rejects(
      t.db.transaction().execute(async (tx) => {
        await t.services.notifications.notify(tx, {
          userIds: [user.id],
          kind: 'grant.created',
          title: 'Lost',
          body: '',
          link: null,
          email: true,
        });
        throw new Error('the change failed after notifying');
      }),
      /the change failed/,
    );
    assert.equal((await list(user)).items.length, 0);
    assert.equal((await t.db.selectFrom('emails').select('id').where('to_address', '=', user.email).execute()).length, 0);
  });

  it('skips recipients that no longer exist instead of failing the caller’s change', async () => {
    const user = await t.user();
    const ids = await notify([user.id, '00000000-0000-4000-8000-000000000000'], 'Still delivered');
    assert.equal(ids.length, 1);
  });

  it('refuses a malformed kind or an empty title: those are the caller’s bugs', async () => {
    const user = await t.user();
    await assert.rejects(
      t.db
        .transaction()
        .execute((tx) => t.services.notifications.notify(tx, { userIds: [user.id], kind: 'Bad Kind', title: 'x', body: '', link: null })),
      /kind/,
    );
    await assert.rejects(
      t.db
        .transaction()
        .execute((tx) => t.services.notifications.notify(tx, { userIds: [user.id], kind: 'a.b', title: '  ', body: '', link: null })),
      /title/,
    );
  });

  it('lists unread first, then newest first, across pages, with the unread count', async () => {
    const user = await t.user();
    const ids: string[] = [];
    for (const n of [1, 2, 3, 4, 5]) ids.push(...(await notify([user.id], `n${n}`)));
    // Read the newest and the second oldest: unread are n4, n3, n1; read are n5, n2.
    for (const id of [ids[4], ids[1]])
      assert.equal((await t.call('POST', `/api/v1/notifications/${id}/read`, { as: user.token })).status, 200);

    const titles: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page = await list(user, `?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      assert.equal(page.unread_count, 3, 'the count covers every unread notification, not the page');
      titles.push(...page.items.map((item: { title: string }) => item.title));
      cursor = page.next_cursor;
      pages++;
    } while (cursor && pages < 10);
    assert.deepEqual(titles, ['n4', 'n3', 'n1', 'n5', 'n2']);
    assert.equal(pages, 3);

    const unread = await list(user, '?unread=true');
    assert.deepEqual(
      unread.items.map((item: { title: string }) => item.title),
      ['n4', 'n3', 'n1'],
    );
  });

  it('marks one read (keeping the first read time) and all read; others’ notifications answer 404', async () => {
    const [owner, other] = [await t.user(), await t.user()];
    const [first] = await notify([owner.id], 'first');
    await notify([owner.id], 'second');
    await notify([owner.id], 'third');

    const read = await t.call('POST', `/api/v1/notifications/${first}/read`, { as: owner.token });
    assert.equal(read.status, 200);
    assert.equal(read.body.is_read, true);
    assert.ok(read.body.read_at);
    const again = await t.call('POST', `/api/v1/notifications/${first}/read`, { as: owner.token });
    assert.equal(again.body.read_at, read.body.read_at);

    const foreign = await t.call('POST', `/api/v1/notifications/${first}/read`, { as: other.token });
    assert.equal(foreign.status, 404);
    assert.equal(foreign.body.error.code, 'ERR_NOT_FOUND');

    const all = await t.call('POST', '/api/v1/notifications/read-all', { as: owner.token });
    assert.equal(all.status, 200);
    assert.deepEqual(all.body, { marked: 2, unread_count: 0 });
    const page = await list(owner);
    assert.deepEqual(
      page.items.map((item: { is_read: boolean }) => item.is_read),
      [true, true, true],
    );
  });

  it('answers 400 naming the field for a bad id or cursor, and 401 without a sign-in', async () => {
    const user = await t.user();
    const badId = await t.call('POST', '/api/v1/notifications/not-a-uuid/read', { as: user.token });
    assert.equal(badId.status, 400);
    assert.match(JSON.stringify(badId.body.error), /id/);
    const badCursor = await t.call('GET', '/api/v1/notifications?cursor=xnope', { as: user.token });
    assert.equal(badCursor.status, 400);
    assert.deepEqual(
      badCursor.body.error.fields.map((field: { field: string }) => field.field),
      ['cursor'],
    );
    assert.equal((await t.call('GET', '/api/v1/notifications')).status, 401);
  });
});
