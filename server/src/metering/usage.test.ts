import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { packSegments, unpackSegments } from './metering.repository.ts';
import {
  type Charge,
  chargesOf,
  forecastCents,
  type LifecycleEvent,
  linesOf,
  monthOf,
  type Segment,
  type ServerUsage,
  secondsByMonth,
  segmentsOf,
  serverCents,
  sumCents,
  thresholdsReached,
  trafficCents,
} from './usage.ts';

const T0 = Date.UTC(2026, 0, 30, 22, 0, 0); // two days before a month boundary
const S0 = T0 / 1000;

/** A lifecycle as servers.service writes it: the events, and what a careful person would count. */
type Lifecycle = { events: LifecycleEvent[]; allocatedS: number; poweredOnS: number; endS: number };

type Action = 'power_cycle' | 'reboot' | 'reinstall' | 'retry' | 'progress' | 'delete' | 'fail';

/**
 * Builds the events of one server from actions, with gaps of `gapsS` seconds between events, and
 * counts by hand: allocated from the allocation to the release, minus inactive/powering-on time.
 */
function lifecycle(actions: Action[], gapsS: number[], nowS: number): Lifecycle {
  const events: LifecycleEvent[] = [];
  let atS = S0;
  let gap = 0;
  let id = 0;
  const next = () => {
    atS += gapsS[gap++ % gapsS.length] as number;
    return atS;
  };
  let state = 'queued';
  const emit = (to: string, step: string | null = null, from: string | null = state) => {
    events.push({ id: ++id, atMs: atS * 1000 + (id % 1000), from, to, step: step ?? to });
    state = to;
  };
  emit('queued', 'queued', null);
  next();
  emit('provisioning', 'allocated');
  const allocatedAtS = atS;
  let offSinceS: number | null = null;
  let offS = 0;
  next();
  emit('provisioning', 'boot_override');
  next();
  emit('active', 'phone_home');
  let releasedAtS: number | null = null;
  for (const action of actions) {
    if (releasedAtS !== null) break;
    next();
    switch (action) {
      case 'power_cycle':
        emit('powering_off');
        next();
        emit('inactive');
        offSinceS = atS;
        next();
        emit('powering_on');
        next();
        emit('active');
        offS += atS - (offSinceS as number);
        offSinceS = null;
        break;
      case 'reboot':
        emit('rebooting');
        next();
        emit('active');
        break;
      case 'reinstall':
        emit('reinstalling');
        next();
        // The provision job runs again and finds the machine it already holds.
        emit('reinstalling', 'allocated');
        next();
        emit('active', 'phone_home');
        break;
      case 'retry':
        // A workflow retry repeats the last event.
        events.push({ ...(events.at(-1) as LifecycleEvent), id: ++id });
        break;
      case 'progress':
        emit(state, 'boot_override');
        break;
      case 'delete':
        emit('deprovisioning');
        next();
        emit('deprovisioning', 'wiping');
        next();
        emit('deleted');
        releasedAtS = atS;
        break;
      case 'fail':
        emit('failed');
        releasedAtS = atS;
        break;
    }
  }
  const endS = releasedAtS ?? nowS;
  return { events, allocatedS: endS - allocatedAtS, poweredOnS: endS - allocatedAtS - offS, endS };
}

const actionArb = fc.constantFrom<Action>('power_cycle', 'reboot', 'reinstall', 'retry', 'progress', 'delete', 'fail');
const lifecycleArb = fc
  .record({
    actions: fc.array(actionArb, { maxLength: 25 }),
    gaps: fc.array(fc.integer({ min: 1, max: 3 * 86_400 }), { minLength: 1, maxLength: 10 }),
  })
  .map(({ actions, gaps }) => lifecycle(actions, gaps, S0 + 400 * 86_400));

function total(segments: Segment[], nowS: number, onlyPoweredOn = false) {
  return segments.filter((s) => !onlyPoweredOn || s.isPoweredOn).reduce((sum, s) => sum + ((s.endS ?? nowS) - s.startS), 0);
}

function assertWellFormed(segments: Segment[]) {
  segments.forEach((segment, index) => {
    if (segment.endS !== null) assert.ok(segment.endS > segment.startS, 'a segment has positive length');
    else assert.equal(index, segments.length - 1, 'only the last segment is open');
    const next = segments[index + 1];
    if (next) {
      assert.ok(segment.endS !== null && segment.endS <= next.startS, 'segments do not overlap and come in order');
      if (segment.endS === next.startS) assert.notEqual(segment.isPoweredOn, next.isPoweredOn, 'touching segments differ in power');
    }
  });
}

describe('segmentsOf', () => {
  it('counts from allocation to release, powered off or not, and only powered-on time under powered_on', () => {
    fc.assert(
      fc.property(lifecycleArb, (life) => {
        const nowS = S0 + 400 * 86_400;
        const segments = segmentsOf(life.events);
        assertWellFormed(segments);
        assert.equal(total(segments, nowS), life.allocatedS);
        assert.equal(total(segments, nowS, true), life.poweredOnS);
      }),
      { numRuns: 500 },
    );
  });

  it('is the same whatever order the events arrive in and however often each is repeated', () => {
    fc.assert(
      fc.property(
        lifecycleArb,
        fc.array(fc.nat(), { maxLength: 30 }),
        fc.array(fc.integer({ min: 0, max: 1000 }), { maxLength: 20 }),
        (life, repeats, shuffle) => {
          const repeated = [...life.events];
          let id = 10_000;
          // A repeated event is a new row (new id) for the same change at the same time.
          for (const index of repeats) repeated.push({ ...(life.events[index % life.events.length] as LifecycleEvent), id: id++ });
          const shuffled = [...repeated];
          shuffle.forEach((seed, i) => {
            const a = i % shuffled.length;
            const b = seed % shuffled.length;
            [shuffled[a], shuffled[b]] = [shuffled[b] as LifecycleEvent, shuffled[a] as LifecycleEvent];
          });
          assert.deepEqual(segmentsOf(shuffled), segmentsOf(life.events));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('matches a second-by-second replay on random event soups', () => {
    const states = [
      'queued',
      'provisioning',
      'active',
      'powering_off',
      'inactive',
      'powering_on',
      'rebooting',
      'reinstalling',
      'deprovisioning',
      'deleted',
      'failed',
    ];
    const eventArb = fc.record({
      atS: fc.integer({ min: 0, max: 200 }),
      to: fc.constantFrom(...states),
      isAllocation: fc.boolean(),
    });
    fc.assert(
      fc.property(fc.array(eventArb, { maxLength: 30 }), (soup) => {
        const events: LifecycleEvent[] = soup.map((e, id) => ({
          id,
          atMs: e.atS * 1000,
          from: null,
          to: e.to,
          step: e.isAllocation ? 'allocated' : e.to,
        }));
        const segments = segmentsOf(events);
        assertWellFormed(segments);
        // Replay: at each second, walk the events so far in order and see whether a machine is held.
        const ordered = [...events].sort((a, b) => a.atMs - b.atMs || a.id - b.id);
        let held = 0;
        let heldOn = 0;
        for (let t = 0; t < 250; t++) {
          let holding = false;
          let on = false;
          for (const e of ordered) {
            if (e.atMs / 1000 > t) break;
            if (e.to === 'deleted' || e.to === 'failed') holding = false;
            else if (holding || e.step === 'allocated' || !['queued', 'deprovisioning'].includes(e.to)) {
              holding = true;
              on = !['inactive', 'powering_on'].includes(e.to);
            }
          }
          if (holding) held++;
          if (holding && on) heldOn++;
        }
        const clip = (list: Segment[]) => list.reduce((sum, s) => sum + Math.max(0, Math.min(s.endS ?? 250, 250) - s.startS), 0);
        assert.equal(clip(segments), held);
        assert.equal(clip(segments.filter((s) => s.isPoweredOn)), heldOn);
      }),
      { numRuns: 500 },
    );
  });

  it('ignores a deletion of a server that never got a machine', () => {
    const events: LifecycleEvent[] = [
      { id: 1, atMs: T0, from: null, to: 'queued', step: 'queued' },
      { id: 2, atMs: T0 + 5000, from: 'queued', to: 'deprovisioning', step: 'deprovisioning' },
      { id: 3, atMs: T0 + 9000, from: 'deprovisioning', to: 'deleted', step: 'deleted' },
    ];
    assert.deepEqual(segmentsOf(events), []);
  });

  it('truncates event times to the second', () => {
    const events: LifecycleEvent[] = [
      { id: 1, atMs: T0 + 999, from: 'queued', to: 'provisioning', step: 'allocated' },
      { id: 2, atMs: T0 + 60_999, from: 'active', to: 'deleted', step: 'deleted' },
    ];
    assert.deepEqual(segmentsOf(events), [{ startS: S0, endS: S0 + 60, isPoweredOn: true }]);
  });
});

describe('stored segments', () => {
  it('pack and unpack to the same segments', () => {
    fc.assert(
      fc.property(lifecycleArb, (life) => {
        const segments = segmentsOf(life.events);
        if (segments.length > 0) assert.deepEqual(unpackSegments(packSegments(segments)), segments);
      }),
    );
  });
});

describe('secondsByMonth', () => {
  it('splits at UTC month boundaries without losing or adding a second, and any split of the range adds up', () => {
    fc.assert(
      fc.property(lifecycleArb, fc.integer({ min: 0, max: 200 * 86_400 }), fc.integer({ min: 0, max: 200 * 86_400 }), (life, a, b) => {
        const nowS = S0 + 400 * 86_400;
        const segments = segmentsOf(life.events);
        const fromS = S0 - 86_400;
        const midS = S0 + Math.min(a, b);
        const toS = S0 + 401 * 86_400;
        for (const policy of ['allocated', 'powered_on'] as const) {
          const whole = secondsByMonth(segments, policy, fromS, toS, nowS);
          assert.equal(
            whole.reduce((sum, m) => sum + m.seconds, 0),
            policy === 'allocated' ? life.allocatedS : life.poweredOnS,
          );
          for (const piece of whole) {
            const [y, m] = piece.month.split('-').map(Number) as [number, number];
            const monthS = (Date.UTC(y, m, 1) - Date.UTC(y, m - 1, 1)) / 1000;
            assert.ok(piece.seconds > 0 && piece.seconds <= monthS, `${piece.month} holds at most a month`);
          }
          const left = secondsByMonth(segments, policy, fromS, midS, nowS);
          const right = secondsByMonth(segments, policy, midS, toS, nowS);
          const merged = new Map<string, number>();
          for (const piece of [...left, ...right]) merged.set(piece.month, (merged.get(piece.month) ?? 0) + piece.seconds);
          assert.deepEqual(Object.fromEntries(merged), Object.fromEntries(whole.map((p) => [p.month, p.seconds])));
        }
      }),
      { numRuns: 300 },
    );
  });

  it('counts a server held across new year in both months', () => {
    const start = Date.UTC(2025, 11, 31, 23, 0, 0) / 1000;
    const pieces = secondsByMonth([{ startS: start, endS: start + 7200, isPoweredOn: true }], 'allocated', 0, 2e9, 2e9);
    assert.deepEqual(pieces, [
      { month: '2025-12-01', seconds: 3600 },
      { month: '2026-01-01', seconds: 3600 },
    ]);
    assert.equal(monthOf(start + 3600), '2026-01-01');
  });

  it('ends an open segment now', () => {
    const pieces = secondsByMonth([{ startS: S0, endS: null, isPoweredOn: true }], 'allocated', 0, S0 + 10_000, S0 + 100);
    assert.deepEqual(pieces, [{ month: '2026-01-01', seconds: 100 }]);
  });
});

describe('money', () => {
  it('rounds server time half up to the cent', () => {
    assert.equal(serverCents(3600, 75), 75);
    assert.equal(serverCents(1, 75), 0); // 0.0208 cents
    assert.equal(serverCents(24, 75), 1); // 0.5 cents rounds up
    assert.equal(serverCents(23, 75), 0); // 0.479 cents
    assert.equal(trafficCents(1_000_000_000n, 5), 5);
    assert.equal(trafficCents(100_000_000n, 5), 1); // 0.5 cents
    assert.equal(trafficCents(99_999_999n, 5), 0);
    assert.equal(trafficCents(10n ** 18n, 0), 0);
  });

  it('makes per-project sums equal the program total, and lines add up to the same total', () => {
    const serverArb = fc.record({
      project: fc.integer({ min: 0, max: 4 }),
      plan: fc.constantFrom('c3.small.x86', 'm3.large.x86'),
      metro: fc.constantFrom('da', 'am'),
      price: fc.integer({ min: 0, max: 500 }),
      policy: fc.constantFrom('allocated' as const, 'powered_on' as const),
      life: lifecycleArb,
    });
    fc.assert(
      fc.property(fc.array(serverArb, { maxLength: 12 }), fc.integer({ min: 0, max: 90 * 86_400 }), (servers, fromOffset) => {
        const nowS = S0 + 400 * 86_400;
        const usage: ServerUsage[] = servers.map((s, i) => ({
          serverId: `s${i}`,
          projectId: `p${s.project}`,
          grantId: null,
          planSlug: s.plan,
          metroCode: s.metro,
          priceCentsPerHour: s.price,
          policy: s.policy,
          segments: segmentsOf(s.life.events),
        }));
        const fromS = S0 + fromOffset;
        const toS = nowS;
        const program = chargesOf(usage, [], fromS, toS, nowS);
        const perProject = [0, 1, 2, 3, 4].map((p) =>
          sumCents(
            chargesOf(
              usage.filter((u) => u.projectId === `p${p}`),
              [],
              fromS,
              toS,
              nowS,
            ),
          ),
        );
        assert.equal(
          perProject.reduce((a, b) => a + b, 0),
          sumCents(program),
        );
        assert.equal(
          linesOf(program).reduce((sum, line) => sum + line.total_cents, 0),
          sumCents(program),
        );
        const seconds = linesOf(program).reduce((sum, line) => sum + (line.seconds ?? 0), 0);
        assert.equal(
          seconds,
          program.reduce((sum: number, c: Charge) => sum + c.seconds, 0),
        );
      }),
      { numRuns: 200 },
    );
  });

  it('groups traffic by plan, metro and price, with exact bytes', () => {
    const lines = linesOf(
      chargesOf(
        [],
        [
          {
            projectId: 'p',
            serverId: 's1',
            grantId: null,
            planSlug: 'c3.small.x86',
            metroCode: 'da',
            month: '2026-01-01',
            bytesIn: 5n,
            bytesOut: 1_500_000_000n,
            centsPerGb: 5,
          },
          {
            projectId: 'p',
            serverId: 's2',
            grantId: null,
            planSlug: 'c3.small.x86',
            metroCode: 'da',
            month: '2026-02-01',
            bytesIn: 7n,
            bytesOut: 2_500_000_000n,
            centsPerGb: 5,
          },
        ],
        0,
        2e9,
        2e9,
      ),
    );
    assert.deepEqual(lines, [
      {
        type: 'traffic',
        plan: 'c3.small.x86',
        metro: 'da',
        unit: 'gb_out',
        quantity: 4,
        unit_price_cents: 5,
        // 7.5 → 8 and 12.5 → 13: rounded per source and month, then added.
        total_cents: 21,
        seconds: null,
        bytes_in: '12',
        bytes_out: '4000000000',
      },
    ]);
  });
});

describe('alerts and forecasts', () => {
  it('reaches thresholds monotonically, never 100 % below the credit', () => {
    fc.assert(
      fc.property(fc.nat(10_000_000), fc.nat(10_000_000), fc.integer({ min: 1, max: 10_000_000 }), (a, b, credit) => {
        const [low, high] = a <= b ? [a, b] : [b, a];
        const reachedLow = thresholdsReached(low, credit);
        const reachedHigh = thresholdsReached(high, credit);
        for (const threshold of reachedLow) assert.ok(reachedHigh.includes(threshold));
        assert.equal(reachedHigh.includes(100), high >= credit);
      }),
    );
    assert.deepEqual(thresholdsReached(0, 0), []);
    assert.deepEqual(thresholdsReached(1, 0), [50, 80, 100]);
    assert.deepEqual(thresholdsReached(4999, 10_000), []);
    assert.deepEqual(thresholdsReached(5000, 10_000), [50]);
    assert.deepEqual(thresholdsReached(8000, 10_000), [50, 80]);
  });

  it('forecasts the trailing burn over the days left', () => {
    assert.equal(forecastCents(1000, 3000, 30, 10), 2000);
    assert.equal(forecastCents(1000, 3000, 30, 0), 1000);
    assert.equal(forecastCents(0, 1, 30, 15), 1); // 0.5 rounds up
  });
});
