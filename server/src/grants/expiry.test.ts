import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { calendarStateOf, daysLeftOf, earliestEndOn, lastDayOf, NOTICE_DAYS, noticesDue } from './expiry.ts';

describe('grant expiry rules', () => {
  it('sends each notice once as the end comes closer, day by day', () => {
    const sent: number[] = [];
    const emails: number[] = [];
    for (let daysLeft = 45; daysLeft >= -2; daysLeft--) {
      const due = noticesDue(daysLeft, sent);
      if (due.send !== null) emails.push(due.send);
      sent.push(...due.record);
    }
    assert.deepEqual(emails, [30, 7, 1]);
    assert.deepEqual(
      sent.sort((a, b) => a - b),
      [1, 7, 30],
    );
  });

  it('sends only the tightest notice when a grant enters the window late', () => {
    assert.deepEqual(noticesDue(5, []), { send: 7, record: [30, 7] });
    assert.deepEqual(noticesDue(0, []), { send: 1, record: [30, 7, 1] });
    assert.deepEqual(noticesDue(-1, []), { send: null, record: [] });
    assert.deepEqual(noticesDue(31, []), { send: null, record: [] });
  });

  it('never sends a notice twice, whatever the order of days the job runs on', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -5, max: 60 }), { maxLength: 30 }), (runs) => {
        const sent: number[] = [];
        for (const daysLeft of runs) {
          const due = noticesDue(daysLeft, sent);
          for (const days of due.record) assert.ok(!sent.includes(days));
          if (due.send !== null) assert.ok(due.record.includes(due.send));
          sent.push(...due.record);
        }
        assert.ok(sent.every((days) => (NOTICE_DAYS as readonly number[]).includes(days)));
      }),
    );
  });

  it('reads the calendar: active, expiring within 30 days, expired after the last day', () => {
    assert.equal(calendarStateOf(31), 'active');
    assert.equal(calendarStateOf(30), 'expiring');
    assert.equal(calendarStateOf(0), 'expiring');
    assert.equal(calendarStateOf(-1), 'expired');
  });

  it('uses the review date as the last day of an ongoing grant', () => {
    assert.equal(lastDayOf({ ends_on: null, review_on: '2026-06-30' }), '2026-06-30');
    assert.equal(daysLeftOf({ ends_on: '2026-07-10', review_on: null }, '2026-07-01'), 9);
    assert.equal(earliestEndOn('2026-12-15', 30), '2027-01-14');
  });
});
