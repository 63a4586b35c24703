import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  addDays,
  additionalCommitmentCents,
  type BudgetFigures,
  budgetFigures,
  type CommittedGrant,
  committedCents,
  decideApproval,
  fiscalYearOf,
  formatCents,
  type OverrideRequest,
} from './budget.ts';

const day = fc.integer({ min: 0, max: 3650 }).map((offset) => addDays('2024-01-01', offset));
const startMonth = fc.integer({ min: 1, max: 12 });
const budgetCents = fc.integer({ min: 0, max: 500_000_000 });
const grant: fc.Arbitrary<CommittedGrant> = fc
  .record({
    monthlyCreditCents: fc.integer({ min: 0, max: 5_000_000 }),
    startsOn: day,
    lengthDays: fc.integer({ min: 0, max: 800 }),
    isOngoing: fc.boolean(),
  })
  .map(({ monthlyCreditCents, startsOn, lengthDays, isOngoing }) => ({
    monthlyCreditCents,
    startsOn,
    endsOn: isOngoing ? null : addDays(startsOn, lengthDays),
    reviewOn: isOngoing ? addDays(startsOn, lengthDays) : null,
  }));
const override: fc.Arbitrary<OverrideRequest | null> = fc.option(
  fc.record({
    reason: fc.option(fc.constantFrom('', '  ', 'Strategic dependency of our product', 'CDN for a distro'), { nil: undefined }),
    isAdmin: fc.boolean(),
  }),
  { nil: null },
);

function assertBalanced(figures: BudgetFigures) {
  assert.equal(figures.committedCents + figures.spentCents + figures.remainingCents, figures.budgetCents);
  assert.ok(figures.committedCents >= 0, `committed ${figures.committedCents}`);
  assert.ok(figures.spentCents >= 0, `spent ${figures.spentCents}`);
  assert.ok(Number.isInteger(figures.committedCents) && Number.isInteger(figures.remainingCents));
}

describe('budget arithmetic', () => {
  it('committed + spent + remaining = budget, with committed and spent never negative', () => {
    fc.assert(
      fc.property(
        budgetCents,
        fc.array(grant, { maxLength: 20 }),
        fc.integer({ min: 0, max: 500_000_000 }),
        day,
        startMonth,
        (budget, grants, spent, today, month) => {
          assertBalanced(budgetFigures(budget, grants, spent, today, fiscalYearOf(today, month)));
        },
      ),
    );
  });

  it('a grant commits nothing outside the fiscal year or its own dates, and less as days pass', () => {
    fc.assert(
      fc.property(grant, day, fc.integer({ min: 0, max: 400 }), startMonth, (g, today, step, month) => {
        const year = fiscalYearOf(today, month);
        const now = committedCents(g, today, year);
        const later = committedCents(g, addDays(today, step), year);
        assert.ok(now >= 0 && later >= 0);
        assert.ok(later <= now, `${later} > ${now} after ${step} days`);
        if (g.endsOn !== null && g.endsOn < today) assert.equal(now, 0);
        if (g.startsOn > year.endsOn) assert.equal(now, 0);
        // Never more than a full year of credit (12 months, plus the leap day) in one fiscal year.
        assert.ok(now <= Math.ceil((g.monthlyCreditCents * 366 * 12) / 365));
      }),
    );
  });

  it('approves beyond the remaining budget only for an admin with a reason', () => {
    fc.assert(
      fc.property(
        budgetCents,
        fc.integer({ min: -1_000_000, max: 500_000_000 }),
        fc.integer({ min: -100_000, max: 600_000_000 }),
        override,
        (budget, remaining, needed, request) => {
          const figures = { budgetCents: budget, committedCents: 0, spentCents: budget - remaining, remainingCents: remaining };
          const decision = decideApproval(figures, needed, request);
          if (decision.outcome === 'within_budget') {
            assert.ok(needed <= 0 || needed <= remaining);
            assert.ok(decision.remainingAfterCents >= Math.min(remaining, 0));
          } else if (decision.outcome === 'override') {
            assert.ok(needed > remaining && request?.isAdmin && request.reason?.trim());
            assert.equal(decision.remainingAfterCents, remaining - needed);
          } else {
            assert.ok(needed > 0 && needed > remaining);
            assert.equal(decision.missing, request?.isAdmin ? 'reason' : 'admin');
            assert.deepEqual([decision.neededCents, decision.remainingCents], [needed, remaining]);
          }
        },
      ),
    );
  });

  it('over a year of approvals and metered spending, remaining goes negative only after a recorded override', () => {
    const step = fc.oneof(
      fc.record({ kind: fc.constant('approve' as const), grant, override }),
      // Spending within what the passing days released: grants cannot spend more than their cap.
      fc.record({
        kind: fc.constant('advance' as const),
        days: fc.integer({ min: 1, max: 60 }),
        spendPercent: fc.integer({ min: 0, max: 100 }),
      }),
    );
    fc.assert(
      fc.property(
        budgetCents,
        fc.integer({ min: 0, max: 100 }),
        startMonth,
        day,
        fc.array(step, { maxLength: 40 }),
        (budget, spentPercent, month, start, steps) => {
          const year = fiscalYearOf(start, month);
          let today = start;
          let spent = Math.floor((budget * spentPercent) / 100);
          const grants: CommittedGrant[] = [];
          const overrides: string[] = [];
          for (const action of steps) {
            const before = budgetFigures(budget, grants, spent, today, year);
            if (action.kind === 'approve') {
              const needed = additionalCommitmentCents(null, action.grant, today, year);
              const decision = decideApproval(before, needed, action.override);
              if (decision.outcome !== 'refused') grants.push(action.grant);
              if (decision.outcome === 'override') overrides.push(decision.reason);
              const after = budgetFigures(budget, grants, spent, today, year);
              if (decision.outcome !== 'refused') assert.equal(after.remainingCents, before.remainingCents - needed);
            } else {
              const next = [addDays(today, action.days), year.endsOn].sort()[0] as string;
              const released = before.committedCents - budgetFigures(budget, grants, spent, next, year).committedCents;
              assert.ok(released >= 0);
              spent += Math.floor((released * action.spendPercent) / 100);
              today = next;
              assert.ok(budgetFigures(budget, grants, spent, today, year).remainingCents >= before.remainingCents);
            }
            const figures = budgetFigures(budget, grants, spent, today, year);
            assertBalanced(figures);
            if (figures.remainingCents < 0) assert.ok(overrides.length > 0, `remaining ${figures.remainingCents} without an override`);
          }
        },
      ),
    );
  });

  it('counts an extension only for what it adds', () => {
    const year = fiscalYearOf('2025-03-01', 1);
    const current = { monthlyCreditCents: 36_500, startsOn: '2025-01-01', endsOn: '2025-03-31', reviewOn: null };
    const extended = { ...current, endsOn: '2025-04-30' };
    // 30 more days at 365 cents a day: credit × days × 12 / 365.
    assert.equal(additionalCommitmentCents(current, extended, '2025-03-01', year), 30 * 1200);
    assert.equal(additionalCommitmentCents(null, current, '2025-03-01', year), 31 * 1200);
  });

  it('formats cents for people', () => {
    assert.equal(formatCents(109_500, 'USD'), '$1,095.00');
    assert.equal(formatCents(-5, 'EUR'), '-€0.05');
  });
});
