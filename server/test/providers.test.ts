/**
 * The provider registry and the manual provider on a real PostgreSQL: actions recorded once per
 * idempotency key with the provider that acted, failures recorded and retried, manual steps filed for
 * an operator and confirmed, fallback to the next provider when one cannot do a step. The lab's
 * virtual BMC answers over real HTTP; its machines are stand-ins (MemoryMachine: no QEMU here).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { SecretBox } from '../src/crypto/secret-box.ts';
import { BmcActionsRepository } from '../src/providers/bmc-actions.repository.ts';
import { createLabProvider } from '../src/providers/lab/lab-provider.ts';
import { systemPath, VirtualBmc } from '../src/providers/lab/virtual-bmc.ts';
import { MemoryMachine } from '../src/providers/lab/virtual-machine.ts';
import { ManualProvider } from '../src/providers/manual/manual-provider.ts';
import { ProviderRegistry } from '../src/providers/registry.ts';
import { ProviderError } from '../src/providers/types.ts';
import { createTestApp, eventually } from './harness.ts';

const PASSWORD = `bmc-${randomBytes(6).toString('hex')}`;
const signal = () => AbortSignal.timeout(15_000);
const t = await createTestApp();

async function rejection(promise: Promise<unknown>): Promise<ProviderError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof ProviderError, `expected a ProviderError, got ${error}`);
    return error;
  }
  assert.fail('expected a rejection');
}

describe('provider registry and manual provider', () => {
  const secrets = new SecretBox(randomBytes(32));
  const machines = [1, 2, 3, 4].map((n) => new MemoryMachine({ id: `lab-${n}`, mac: `52:54:00:5c:00:0${n}` }));
  const bmc = new VirtualBmc({ machines, username: 'admin', password: PASSWORD });
  const provider = createLabProvider({ attempts: 2, backoffMs: 1, timeoutMs: 5_000 });
  const repository = new BmcActionsRepository();
  let registry: ProviderRegistry;
  let withManualFallback: ProviderRegistry;
  let counter = 0;

  before(async () => {
    await bmc.listen();
    const common = { db: t.db, actions: repository, secrets, providers: [provider, new ManualProvider()], manualPollMs: 100 };
    registry = new ProviderRegistry(common);
    withManualFallback = new ProviderRegistry({ ...common, fallbackOrder: ['manual'] });
  });
  after(() => bmc.close());

  const machine = async (kind: 'lab' | 'manual', overrides: { labId?: string; password?: string } = {}) => {
    const id = crypto.randomUUID();
    counter++;
    const isLab = kind === 'lab';
    return t.db
      .insertInto('machines')
      .values({
        id,
        hostname: `reg-${counter}-${randomBytes(3).toString('hex')}`,
        plan_slug: 't3.small.x86',
        metro_code: 'da',
        bmc_provider: kind,
        bmc_url: isLab ? bmc.url : null,
        bmc_username: isLab ? 'admin' : null,
        bmc_password_encrypted: isLab ? secrets.seal(overrides.password ?? PASSWORD, `machine:${id}:bmc`) : null,
        bmc_system_path: isLab ? systemPath(overrides.labId ?? 'lab-1') : null,
        state: 'available',
      })
      .returningAll()
      .executeTakeFirstOrThrow();
  };

  const actionRow = (key: string) =>
    t.db.selectFrom('bmc_actions').selectAll().where('idempotency_key', '=', key).executeTakeFirstOrThrow();

  test('an action is done once per key, recorded with the provider that acted', async () => {
    const row = await machine('lab', { labId: 'lab-1' });
    const lab = machines[0] as MemoryMachine;
    await registry.bootOnce(row, 'pxe', `${row.id}:boot`, signal());
    await registry.setPower(row, 'cycle', `${row.id}:cycle`, signal());
    assert.equal(await registry.powerState(row, signal()), 'on');
    assert.deepEqual(lab.boots, ['n']);

    // A re-run after a crash: both keys are done, nothing is repeated.
    await registry.bootOnce(row, 'pxe', `${row.id}:boot`, signal());
    await registry.setPower(row, 'cycle', `${row.id}:cycle`, signal());
    assert.deepEqual(lab.resets, ['On']);

    const boot = await actionRow(`${row.id}:boot`);
    assert.equal(boot.machine_id, row.id);
    assert.equal(boot.action, 'boot:pxe');
    assert.equal(boot.provider, 'lab');
    assert.equal(boot.outcome, 'done');
    const cycle = await actionRow(`${row.id}:cycle`);
    assert.deepEqual([cycle.action, cycle.provider, cycle.outcome], ['power:cycle', 'lab', 'done']);
  });

  test('what a workflow does next runs once the BMC acted, also on a re-run of a done key, never after a failure', async () => {
    const row = await machine('lab', { labId: 'lab-4' });
    const lab = machines[3] as MemoryMachine;
    const seen: string[] = [];
    const key = `${row.id}:boot-next`;
    await registry.bootOnce(row, 'pxe', key, signal(), async () => {
      // The BMC has acted by now; the outcome is recorded at the same time, and the call waits for both.
      seen.push(`override ${lab.bootOverride().enabled} ${lab.bootOverride().target}`);
    });
    assert.deepEqual(seen, ['override Once Pxe']);
    assert.equal((await actionRow(key)).outcome, 'done');

    // A re-run after a crash: the action is not repeated, the next step runs again (it is idempotent).
    await lab.setBootOverride({ enabled: 'Disabled', target: 'None' });
    await registry.bootOnce(row, 'pxe', key, signal(), async () => void seen.push('again'));
    assert.deepEqual(seen, ['override Once Pxe', 'again']);
    assert.equal(lab.bootOverride().enabled, 'Disabled');

    // The next step failing is the workflow's error, not the BMC's: the action stays done, so a re-run does not repeat it.
    const failingKey = `${row.id}:boot-next-fails`;
    await assert.rejects(
      registry.bootOnce(row, 'pxe', failingKey, signal(), async () => {
        throw new Error('the timeline could not be written');
      }),
      /the timeline could not be written/,
    );
    await eventually('the action recorded as done', async () => (await actionRow(failingKey)).outcome === 'done');

    const locked = { ...row, bmc_password_encrypted: secrets.seal('wrong-password', `machine:${row.id}:bmc`) };
    await rejection(registry.setPower(locked, 'on', `${row.id}:on-next`, signal(), async () => void seen.push('after failure')));
    assert.deepEqual(seen, ['override Once Pxe', 'again']);
    assert.equal((await actionRow(`${row.id}:on-next`)).outcome, 'failed');
    assert.deepEqual(lab.resets, []);
  });

  test('a failed action is recorded with its error (never the password) and tried again under the same key', async () => {
    const row = await machine('lab', { labId: 'lab-2', password: 'not-the-bmc-password' });
    const key = `${row.id}:on`;
    const error = await rejection(registry.setPower(row, 'on', key, signal()));
    assert.equal(error.kind, 'unauthorized');
    const failed = await actionRow(key);
    assert.equal(failed.outcome, 'failed');
    assert.equal(failed.detail.error_kind, 'unauthorized');
    assert.match(String(failed.detail.error), /refused the user "admin"/);
    assert.doesNotMatch(JSON.stringify(failed.detail), /not-the-bmc-password/);

    // The operator fixes the password; the workflow's retry uses the same key and now acts.
    const fixed = await t.db
      .updateTable('machines')
      .set({ bmc_password_encrypted: secrets.seal(PASSWORD, `machine:${row.id}:bmc`) })
      .where('id', '=', row.id)
      .returningAll()
      .executeTakeFirstOrThrow();
    await registry.setPower(fixed, 'on', key, signal());
    assert.equal((await actionRow(key)).outcome, 'done');
    assert.deepEqual((machines[1] as MemoryMachine).resets, ['On']);
  });

  test('a password sealed under another key is reported as such, and the action recorded as failed', async () => {
    const row = await machine('lab', { labId: 'lab-2' });
    const resealed = await t.db
      .updateTable('machines')
      .set({ bmc_password_encrypted: new SecretBox(randomBytes(32)).seal(PASSWORD, `machine:${row.id}:bmc`) })
      .where('id', '=', row.id)
      .returningAll()
      .executeTakeFirstOrThrow();
    const error = await rejection(registry.setPower(resealed, 'off', `${row.id}:off`, signal()));
    assert.equal(error.kind, 'invalid');
    assert.equal(
      error.message,
      `the BMC password of ${row.hostname} cannot be decrypted: was SURPLUS_SECRET_KEY changed? Enter the password again`,
    );
    const failed = await actionRow(`${row.id}:off`);
    assert.deepEqual([failed.outcome, failed.provider, failed.detail.error], ['failed', 'lab', error.message]);
  });

  test('a manual step is filed for an operator, waited for, confirmed once, and then done', async () => {
    const row = await machine('manual');
    const key = `${row.id}:boot`;
    const first = await rejection(registry.bootOnce(row, 'pxe', key, signal()));
    assert.equal(first.kind, 'awaiting_operator');
    assert.match(first.message, /boot once from the network \(PXE\)/);
    assert.equal(await registry.powerState(row, signal()), 'unknown');

    const pending = await actionRow(key);
    assert.deepEqual([pending.provider, pending.outcome, pending.action], ['manual', 'pending', 'boot:pxe']);
    assert.equal(pending.detail.instruction, first.message);
    // A re-run while it is pending files nothing new.
    assert.equal((await rejection(registry.bootOnce(row, 'pxe', key, signal()))).kind, 'awaiting_operator');
    assert.deepEqual(
      (await registry.manual.pending(row.id)).map((step) => [step.key, step.action, step.instruction]),
      [[key, 'boot:pxe', first.message]],
    );

    const waiting = registry.awaitConfirmation(key, signal());
    const confirmed = await registry.manual.confirm(key, 'operator@example.org', 'F12, network boot');
    assert.equal(confirmed?.outcome, 'done');
    const done = await waiting;
    assert.equal(done.detail.confirmed_by, 'operator@example.org');
    assert.equal(done.detail.note, 'F12, network boot');
    assert.equal(await registry.manual.confirm(key, 'someone-else@example.org'), null);
    await registry.bootOnce(row, 'pxe', key, signal());
    assert.deepEqual(await registry.manual.pending(row.id), []);
  });

  test('awaiting a step nobody confirms ends with the caller’s signal, and the step stays pending', async () => {
    const row = await machine('manual');
    const key = `${row.id}:cycle`;
    await rejection(registry.setPower(row, 'cycle', key, signal()));
    const error = await rejection(registry.awaitConfirmation(key, AbortSignal.timeout(300)));
    assert.equal(error.kind, 'awaiting_operator');
    assert.match(error.message, /still waiting for an operator: Power cycle the machine/);
    assert.equal((await actionRow(key)).outcome, 'pending');
  });

  test('a step the machine’s own provider cannot do falls to the next configured provider', async () => {
    const row = await machine('lab', { labId: 'lab-3' });
    const key = `${row.id}:http-boot`;
    const error = await rejection(withManualFallback.bootOnce(row, 'uefi_http', key, signal()));
    assert.equal(error.kind, 'awaiting_operator');
    const filed = await actionRow(key);
    assert.deepEqual([filed.provider, filed.outcome], ['manual', 'pending']);
    assert.match(String((filed.detail.skipped as string[] | undefined)?.[0]), /^lab: .*cannot boot once from UefiHttp/);

    // Without a fallback the same step is unsupported, and recorded as failed.
    const alone = await rejection(registry.bootOnce(row, 'uefi_http', `${row.id}:http-boot-2`, signal()));
    assert.equal(alone.kind, 'unsupported');
    assert.match(alone.message, new RegExp(`^boot:uefi_http on ${row.hostname}: lab: `));
    assert.equal((await actionRow(`${row.id}:http-boot-2`)).outcome, 'failed');
  });

  test('withConnection hands the machine’s own provider to the caller and closes it', async () => {
    const row = await machine('lab', { labId: 'lab-4' });
    const facts = await registry.withConnection(
      registry.access(row),
      (connection) => connection.inspect?.inspect(signal()) ?? Promise.resolve(null),
      signal(),
    );
    assert.deepEqual(facts?.nics, [{ mac: '52:54:00:5c:00:04', speedMbps: null }]);
    assert.equal(registry.get('manual')?.name, 'manual');
  });
});
