/**
 * Usage arithmetic, kept pure so property tests can hammer it: lifecycle events → the segments of
 * time a server held a machine → seconds per UTC month → integer cents.
 *
 * Times are whole seconds since the epoch (an event's time is truncated to its second); a segment is
 * the half-open interval [startS, endS). Money is integer cents, rounded half up once per server and
 * month (and once per traffic source and month), never per line or per total, so every total is the
 * exact sum of the pieces it is made of: a program's total equals the sum of its projects' totals.
 */

export type CountingPolicy = 'allocated' | 'powered_on';

export type LifecycleEvent = {
  /** server_events.id: orders events written in the same second. */
  id: number;
  atMs: number;
  from: string | null;
  to: string;
  step: string | null;
};

export type Segment = { startS: number; endS: number | null; isPoweredOn: boolean };

/** States a server is in only while it holds a machine: reaching one (or the `allocated` step) starts counting. */
const HOLDING_STATES = new Set(['provisioning', 'active', 'powering_off', 'inactive', 'powering_on', 'rebooting', 'reinstalling']);
/** States in which the machine is back in the pool (deleted: wiped) or taken from the server (failed). */
const RELEASED_STATES = new Set(['deleted', 'failed']);
/**
 * While inactive the machine is off; while powering on the BMC is being asked to turn it on and the
 * state becomes active once it did. Powering off still runs until it is inactive.
 */
const POWERED_OFF_STATES = new Set(['inactive', 'powering_on']);

/**
 * When a server held a machine, from its lifecycle events in any order. Counting starts at the
 * allocation (or the first state that implies one) and ends when the server is deleted (its machine
 * wiped and back in the pool) or failed (its machine taken away). Repeated events, workflow retries
 * (a second `allocated` step for the same machine), reinstalls and power cycles only ever continue
 * the one open segment, so nothing is counted twice. Segments are split where the power state
 * changes, merged where they touch with the same state, and never overlap.
 */
export function segmentsOf(events: readonly LifecycleEvent[]): Segment[] {
  const sorted = [...events].sort((a, b) => a.atMs - b.atMs || a.id - b.id);
  const out: Segment[] = [];
  let open: { startS: number; isPoweredOn: boolean } | null = null;
  const push = (segment: Segment) => {
    const last = out.at(-1);
    if (last && last.endS === segment.startS && last.isPoweredOn === segment.isPoweredOn) last.endS = segment.endS;
    else out.push(segment);
  };
  for (const event of sorted) {
    const atS = Math.floor(event.atMs / 1000);
    if (RELEASED_STATES.has(event.to)) {
      if (open && atS > open.startS) push({ startS: open.startS, endS: atS, isPoweredOn: open.isPoweredOn });
      open = null;
      continue;
    }
    const isPoweredOn = !POWERED_OFF_STATES.has(event.to);
    if (!open) {
      if (event.step === 'allocated' || HOLDING_STATES.has(event.to)) open = { startS: atS, isPoweredOn };
      continue;
    }
    if (isPoweredOn !== open.isPoweredOn) {
      if (atS > open.startS) push({ startS: open.startS, endS: atS, isPoweredOn: open.isPoweredOn });
      open = { startS: Math.max(atS, open.startS), isPoweredOn };
    }
  }
  if (open) push({ startS: open.startS, endS: null, isPoweredOn: open.isPoweredOn });
  return out;
}

/** The segments that count under a policy: all of them, or only the powered-on ones. */
export function countedSegments(segments: readonly Segment[], policy: CountingPolicy): Segment[] {
  return policy === 'allocated' ? [...segments] : segments.filter((segment) => segment.isPoweredOn);
}

export type MonthSeconds = { month: string; seconds: number };

/** 'YYYY-MM-01' of the UTC month holding `s`. */
export function monthOf(s: number): string {
  return monthLabel(monthIndexOf(s));
}

/** Start of the UTC month after the one holding `s`, in seconds. */
export function nextMonthStartS(s: number): number {
  return monthStartS(monthIndexOf(s) + 1);
}

/** Seconds since the epoch of a 'YYYY-MM-DD' UTC day's start. */
export function dayStartS(day: string): number {
  return Date.parse(`${day}T00:00:00Z`) / 1000;
}

// Months as integers (year × 12 + month − 1), with their starts and labels memoized: usage over a
// year of thousands of servers asks for the same dozen months again and again.
const monthStarts = new Map<number, number>();
const monthLabels = new Map<number, string>();

function monthIndexOf(s: number): number {
  const date = new Date(s * 1000);
  return date.getUTCFullYear() * 12 + date.getUTCMonth();
}

function monthStartS(index: number): number {
  let start = monthStarts.get(index);
  if (start === undefined) {
    start = Date.UTC(Math.floor(index / 12), index % 12, 1) / 1000;
    monthStarts.set(index, start);
  }
  return start;
}

function monthLabel(index: number): string {
  let label = monthLabels.get(index);
  if (label === undefined) {
    label = `${String(Math.floor(index / 12)).padStart(4, '0')}-${String((index % 12) + 1).padStart(2, '0')}-01`;
    monthLabels.set(index, label);
  }
  return label;
}

/**
 * Counted seconds of one server per UTC month within [fromS, toS); a segment still open ends at
 * `nowS`. Months come out in order, each once.
 */
export function secondsByMonth(
  segments: readonly Segment[],
  policy: CountingPolicy,
  fromS: number,
  toS: number,
  nowS: number,
): MonthSeconds[] {
  const byMonth = new Map<number, number>();
  for (const segment of segments) {
    if (policy === 'powered_on' && !segment.isPoweredOn) continue;
    let startS = Math.max(segment.startS, fromS);
    const endS = Math.min(segment.endS ?? Math.max(nowS, segment.startS), toS);
    if (startS >= endS) continue;
    let index = monthIndexOf(startS);
    while (startS < endS) {
      const pieceEndS = Math.min(monthStartS(index + 1), endS);
      byMonth.set(index, (byMonth.get(index) ?? 0) + (pieceEndS - startS));
      startS = pieceEndS;
      index++;
    }
  }
  return [...byMonth.entries()].sort(([a], [b]) => a - b).map(([index, seconds]) => ({ month: monthLabel(index), seconds }));
}

/** A server's seconds in one UTC month under both counting policies (a row of the monthly rollup). */
export type ServerMonth = { month: string; allocatedS: number; poweredOnS: number };

/** A server's seconds per UTC month within [fromS, toS), allocated and powered on; open segments end at `nowS`. */
export function serverMonthsOf(segments: readonly Segment[], fromS: number, toS: number, nowS: number): ServerMonth[] {
  const poweredOn = new Map(secondsByMonth(segments, 'powered_on', fromS, toS, nowS).map((row) => [row.month, row.seconds]));
  return secondsByMonth(segments, 'allocated', fromS, toS, nowS).map(({ month, seconds }) => ({
    month,
    allocatedS: seconds,
    poweredOnS: poweredOn.get(month) ?? 0,
  }));
}

/** Server time's price: seconds × cents per hour / 3600, rounded half up to a whole cent. */
export function serverCents(seconds: number, centsPerHour: number): number {
  return Math.floor((seconds * centsPerHour + 1800) / 3600);
}

export const BYTES_PER_GB = 1_000_000_000n;

/** Outbound traffic's price: bytes × cents per GB (10^9 bytes), rounded half up to a whole cent. */
export function trafficCents(bytesOut: bigint, centsPerGb: number): number {
  if (centsPerGb === 0) return 0;
  return Number((bytesOut * BigInt(centsPerGb) + BYTES_PER_GB / 2n) / BYTES_PER_GB);
}

// ── Pricing a scope (a project, a program, a grant) ────────────────────────────────────────────────

export type ServerUsage = {
  serverId: string;
  projectId: string;
  grantId: string | null;
  planSlug: string;
  metroCode: string;
  priceCentsPerHour: number;
  policy: CountingPolicy;
  segments: readonly Segment[];
};

export type TrafficUsage = {
  projectId: string;
  serverId: string | null;
  grantId: string | null;
  planSlug: string | null;
  metroCode: string | null;
  month: string;
  bytesIn: bigint;
  bytesOut: bigint;
  centsPerGb: number;
};

/** One priced piece: one server's time in one month, or one source's traffic in one month. */
export type Charge = {
  kind: 'server' | 'traffic';
  projectId: string;
  serverId: string | null;
  grantId: string | null;
  planSlug: string | null;
  metroCode: string | null;
  month: string;
  unitPriceCents: number;
  seconds: number;
  bytesIn: bigint;
  bytesOut: bigint;
  cents: number;
};

/** Every charge of the servers and traffic given, within [fromS, toS) (traffic is already filtered by day). */
export function chargesOf(
  servers: readonly ServerUsage[],
  traffic: readonly TrafficUsage[],
  fromS: number,
  toS: number,
  nowS: number,
): Charge[] {
  const charges: Charge[] = [];
  for (const server of servers) {
    for (const { month, seconds } of secondsByMonth(server.segments, server.policy, fromS, toS, nowS)) {
      charges.push({
        kind: 'server',
        projectId: server.projectId,
        serverId: server.serverId,
        grantId: server.grantId,
        planSlug: server.planSlug,
        metroCode: server.metroCode,
        month,
        unitPriceCents: server.priceCentsPerHour,
        seconds,
        bytesIn: 0n,
        bytesOut: 0n,
        cents: serverCents(seconds, server.priceCentsPerHour),
      });
    }
  }
  for (const row of traffic) {
    charges.push({
      kind: 'traffic',
      projectId: row.projectId,
      serverId: row.serverId,
      grantId: row.grantId,
      planSlug: row.planSlug,
      metroCode: row.metroCode,
      month: row.month,
      unitPriceCents: row.centsPerGb,
      seconds: 0,
      bytesIn: row.bytesIn,
      bytesOut: row.bytesOut,
      cents: trafficCents(row.bytesOut, row.centsPerGb),
    });
  }
  return charges;
}

/**
 * What a scope spent, summed the ways dashboards and reports show it: per grant and project over
 * the whole range, per month, per plan and per metro, and which projects used anything each month.
 * Sums of rounded charges, so every figure is exact.
 */
export type SpendSummary = {
  byGrant: SpendRow[];
  byMonth: Map<string, number>;
  /** Cents by plan (null: traffic reported for a project). */
  byPlan: Map<string | null, number>;
  /** Cents by metro (null: traffic reported for a project). */
  byMetro: Map<string | null, number>;
  /** Projects with any seconds, cents or bytes out, per month. */
  projectsByMonth: Map<string, number>;
};

export type SpendRow = { grantId: string | null; projectId: string; seconds: number; cents: number; bytesIn: bigint; bytesOut: bigint };

/** Charges summed as a SpendSummary. */
export function summarizeCharges(charges: readonly Charge[]): SpendSummary {
  const summary: SpendSummary = { byGrant: [], byMonth: new Map(), byPlan: new Map(), byMetro: new Map(), projectsByMonth: new Map() };
  addToSummary(summary, charges, new Map());
  return summary;
}

/**
 * Adds charges of months the summary does not count projects for yet (the live month) to it, in
 * place. `projects` are the projects already known to have used something in those months (the
 * live month's traffic): the charges' projects join them, and each month's count is set.
 */
export function addToSummary(summary: SpendSummary, charges: readonly Charge[], projects: Map<string, Set<string>>): SpendSummary {
  const rows = new Map(summary.byGrant.map((row) => [`${row.grantId}|${row.projectId}`, row]));
  for (const charge of charges) {
    const key = `${charge.grantId}|${charge.projectId}`;
    let row = rows.get(key);
    if (!row) {
      row = { grantId: charge.grantId, projectId: charge.projectId, seconds: 0, cents: 0, bytesIn: 0n, bytesOut: 0n };
      rows.set(key, row);
      summary.byGrant.push(row);
    }
    row.seconds += charge.seconds;
    row.cents += charge.cents;
    row.bytesIn += charge.bytesIn;
    row.bytesOut += charge.bytesOut;
    summary.byMonth.set(charge.month, (summary.byMonth.get(charge.month) ?? 0) + charge.cents);
    summary.byPlan.set(charge.planSlug, (summary.byPlan.get(charge.planSlug) ?? 0) + charge.cents);
    summary.byMetro.set(charge.metroCode, (summary.byMetro.get(charge.metroCode) ?? 0) + charge.cents);
    if (charge.cents === 0 && charge.seconds === 0 && charge.bytesOut === 0n) continue;
    let set = projects.get(charge.month);
    if (!set) {
      set = new Set();
      projects.set(charge.month, set);
    }
    set.add(charge.projectId);
  }
  for (const [month, set] of projects) summary.projectsByMonth.set(month, set.size);
  return summary;
}

export type UsageLine = {
  type: 'server' | 'traffic';
  plan: string | null;
  metro: string | null;
  unit: 'server_hour' | 'gb_out';
  quantity: number;
  unit_price_cents: number;
  total_cents: number;
  seconds: number | null;
  bytes_in: string | null;
  bytes_out: string | null;
};

/**
 * Lines grouped by type, plan, metro and unit price (one price per line), like the well-known
 * bare-metal cloud's usage listing. Quantities are for people (hours to 4 decimals, GB to 3);
 * `seconds` and `bytes_out` are exact; `total_cents` is the sum of the charges' rounded cents.
 */
export function linesOf(charges: readonly Charge[]): UsageLine[] {
  const lines = new Map<string, { line: UsageLine; seconds: number; bytesIn: bigint; bytesOut: bigint }>();
  for (const charge of charges) {
    const key = `${charge.kind}|${charge.planSlug ?? ''}|${charge.metroCode ?? ''}|${charge.unitPriceCents}`;
    let entry = lines.get(key);
    if (!entry) {
      entry = {
        line: {
          type: charge.kind,
          plan: charge.planSlug,
          metro: charge.metroCode,
          unit: charge.kind === 'server' ? 'server_hour' : 'gb_out',
          quantity: 0,
          unit_price_cents: charge.unitPriceCents,
          total_cents: 0,
          seconds: null,
          bytes_in: null,
          bytes_out: null,
        },
        seconds: 0,
        bytesIn: 0n,
        bytesOut: 0n,
      };
      lines.set(key, entry);
    }
    entry.seconds += charge.seconds;
    entry.bytesIn += charge.bytesIn;
    entry.bytesOut += charge.bytesOut;
    entry.line.total_cents += charge.cents;
  }
  return [...lines.values()]
    .map(({ line, seconds, bytesIn, bytesOut }) =>
      line.type === 'server'
        ? { ...line, quantity: round(seconds / 3600, 4), seconds }
        : { ...line, quantity: round(Number(bytesOut) / 1e9, 3), bytes_in: String(bytesIn), bytes_out: String(bytesOut) },
    )
    .sort(
      (a, b) =>
        a.type.localeCompare(b.type) ||
        (a.plan ?? '').localeCompare(b.plan ?? '') ||
        (a.metro ?? '').localeCompare(b.metro ?? '') ||
        a.unit_price_cents - b.unit_price_cents,
    );
}

export function sumCents(charges: readonly { cents: number }[]): number {
  let total = 0;
  for (const charge of charges) total += charge.cents;
  return total;
}

function round(value: number, decimals: number): number {
  const factor = 10 ** decimals;
  return Math.round(value * factor) / factor;
}

// ── Alerts and forecasts ───────────────────────────────────────────────────────────────────────────

export const ALERT_THRESHOLDS = [50, 80, 100] as const;
export type AlertThreshold = (typeof ALERT_THRESHOLDS)[number];

/**
 * The thresholds a month's spend has reached. A grant without credit has reached them all as soon
 * as it spends anything.
 */
export function thresholdsReached(spentCents: number, creditCents: number): AlertThreshold[] {
  if (creditCents <= 0) return spentCents > 0 ? [...ALERT_THRESHOLDS] : [];
  return ALERT_THRESHOLDS.filter((threshold) => spentCents * 100 >= creditCents * threshold);
}

/** Whether a grant may start another server this month: refused from 100 % of the credit on. */
export function isCreditExhausted(spentCents: number, creditCents: number): boolean {
  return spentCents >= creditCents;
}

/**
 * Spend to the end of a period at the trailing burn rate: what was spent so far, plus the last
 * `windowDays` days' average daily spend for each day left. Rounded half up.
 */
export function forecastCents(spentSoFarCents: number, trailingCents: number, windowDays: number, daysLeft: number): number {
  return projectedCents(spentSoFarCents, [{ trailingCents, daysLeft }], windowDays);
}

/**
 * The same for several burns that last different numbers of days (each grant's burn lasts until its
 * last day): spent so far + Σ trailing cents × days left ÷ window days, rounded half up once.
 */
export function projectedCents(
  spentSoFarCents: number,
  burns: readonly { trailingCents: number; daysLeft: number }[],
  windowDays: number,
): number {
  if (windowDays <= 0) return spentSoFarCents;
  let centDays = 0;
  for (const burn of burns) if (burn.daysLeft > 0) centDays += burn.trailingCents * burn.daysLeft;
  return spentSoFarCents + Math.floor((centDays * 2 + windowDays) / (2 * windowDays));
}
