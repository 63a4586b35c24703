import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RequestState } from '../db/schema.ts';
import { waitingChangesAt, waitingOf } from './requests.service.ts';

const DAY_MS = 86_400_000;

describe('waitingChangesAt', () => {
  it('is the first moment waitingOf answers differently, for many submission times, targets and states', () => {
    let seed = 7;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const now = Date.UTC(2026, 10, 26, 5, 0, 0);
    for (let i = 0; i < 500; i++) {
      const state = (['submitted', 'in_review', 'needs_info', 'changes_requested'] as RequestState[])[i % 4] as RequestState;
      const request = { state, submitted_at: new Date(now - Math.floor(random() * 20 * DAY_MS)), decided_at: null };
      const target = 1 + Math.floor(random() * 14);
      const at = waitingChangesAt(request, target, now);
      assert.ok(at > now, `changes after now (${i})`);
      const before = waitingOf(request, target, now);
      // Unchanged up to the moment it names, changed at it.
      for (const t of [now + 1, Math.floor((now + at) / 2), at - 1])
        assert.deepEqual(waitingOf(request, target, t), before, `${i} at ${t}`);
      assert.notDeepEqual(waitingOf(request, target, at), before, `${i} changes at ${at}`);
    }
  });

  it('never, for a decided or never-submitted request', () => {
    const now = Date.now();
    assert.equal(
      waitingChangesAt({ state: 'approved', submitted_at: new Date(now - DAY_MS), decided_at: new Date(now) }, 7, now),
      Infinity,
    );
    assert.equal(waitingChangesAt({ state: 'draft', submitted_at: null, decided_at: null }, 7, now), Infinity);
  });
});
