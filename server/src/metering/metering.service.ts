import type { Db, Executor } from '../db/database.ts';
import { addDays, daysBetween } from '../grants/budget.ts';
import { type Actor, isAdmin, isStaff } from '../http/context.ts';
import { AppError, notFound } from '../http/errors.ts';
import type { NotificationsService } from '../notifications/notifications.service.ts';
import { ProgramPolicy } from '../programs/programs.schemas.ts';
import type { ProgramsService } from '../programs/programs.service.ts';
import type { WebhooksService } from '../webhooks/webhooks.service.ts';
import { MeteringRepository, type UsageScope } from './metering.repository.ts';
import type {
  GrantMonth,
  GrantUsage,
  IdleServer,
  IdleServerList,
  IdleServerQuery,
  ProjectBurn,
  TrafficIngestResult,
  UsageQuery,
  UsageReport,
} from './metering.schemas.ts';
import type { TrafficFormat } from './traffic.ts';
import { COPY_BINARY_HEADER, COPY_BINARY_TRAILER, TrafficBatchReader } from './traffic-batch.ts';
import {
  type AlertThreshold,
  addToSummary,
  type Charge,
  chargesOf,
  dayStartS,
  isCreditExhausted,
  linesOf,
  monthOf,
  nextMonthStartS,
  type SpendSummary,
  serverCents,
  sumCents,
  thresholdsReached,
} from './usage.ts';

/**
 * Powers a server off for the over-cap policy (through ServersService, which writes its events);
 * false when the server was no longer active (another run got there first).
 */
export type PowerOff = (serverId: string, reason: string) => Promise<boolean>;

export type MeteringSettings = {
  /** Largest traffic batch, in bytes of body (default 50 MB). */
  ingestLimitBytes?: number;
};

/** At most this many bad lines are listed in a 400; the message says how many there were. */
const _MAX_LISTED_ERRORS = 1000;
const DAY_S = 86_400;

/**
 * Usage, money and idle servers. Usage is computed from lifecycle events (usage.ts); what a program
 * spent is what its grants' servers and traffic cost.
 */
export class MeteringService {
  private readonly db: Db;
  private readonly metering: MeteringRepository;
  private readonly programs: ProgramsService;
  private readonly notifications: NotificationsService;
  private readonly webhooks: WebhooksService;
  private readonly settings: Required<MeteringSettings>;
  private powerOff: PowerOff | null;

  constructor(
    db: Db,
    deps: {
      metering: MeteringRepository;
      programs: ProgramsService;
      notifications: NotificationsService;
      webhooks: WebhooksService;
      powerOff?: PowerOff | null;
    },
    settings: MeteringSettings = {},
  ) {
    this.db = db;
    this.metering = deps.metering;
    this.programs = deps.programs;
    this.notifications = deps.notifications;
    this.webhooks = deps.webhooks;
    this.powerOff = deps.powerOff ?? null;
    this.settings = { ingestLimitBytes: settings.ingestLimitBytes ?? 50 * 1024 * 1024 };
  }

  /** Servers depend on metering (the credit check) and metering on servers (power-off): wired after both exist. */
  setPowerOff(powerOff: PowerOff) {
    this.powerOff = powerOff;
  }

  /** Brings the stored segments up to date with the events written since. */
  refresh(): Promise<number> {
    return this.metering.refreshSegments(this.db);
  }

  // ── Usage ──────────────────────────────────────────────────────────────────────────────────────

  async projectUsage(projectId: string, query: UsageQuery, now = new Date()): Promise<UsageReport> {
    const range = rangeOf(query, now);
    await this.refresh();
    const charges = await this.charges({ projectId }, range, now);
    const grants = await this.metering.projectGrants(this.db, projectId);
    const currencies = new Set(grants.map((grant) => grant.currency));
    return {
      from: range.from,
      to: range.to,
      currency: currencies.size === 1 ? ([...currencies][0] as string) : currencies.size === 0 ? 'USD' : null,
      lines: linesOf(charges),
      total_cents: sumCents(charges),
      projects: [],
    };
  }

  async programUsage(programKey: string, query: UsageQuery, now = new Date()): Promise<UsageReport> {
    const program = await this.programs.find(programKey);
    const range = rangeOf(query, now);
    await this.refresh();
    const charges = await this.charges({ programId: program.id }, range, now);
    const byProject = new Map<string, number>();
    for (const charge of charges) byProject.set(charge.projectId, (byProject.get(charge.projectId) ?? 0) + charge.cents);
    const projects = await this.db
      .selectFrom('projects')
      .select(['id', 'slug', 'name'])
      .where('id', 'in', byProject.size > 0 ? [...byProject.keys()] : ['00000000-0000-0000-0000-000000000000'])
      .execute();
    return {
      from: range.from,
      to: range.to,
      currency: program.currency,
      lines: linesOf(charges),
      total_cents: sumCents(charges),
      projects: projects
        .map((project) => ({ id: project.id, slug: project.slug, name: project.name, total_cents: byProject.get(project.id) ?? 0 }))
        .sort((a, b) => b.total_cents - a.total_cents || a.slug.localeCompare(b.slug)),
    };
  }

  /** Every charge of a scope in a range of days, from the stored segments (refresh first). */
  async charges(scope: UsageScope, range: DayRange, now: Date): Promise<Charge[]> {
    const fromS = dayStartS(range.from);
    const toS = dayStartS(range.to) + DAY_S;
    const nowS = Math.floor(now.getTime() / 1000);
    const [servers, traffic] = await Promise.all([
      this.metering.serverUsage(this.db, scope, new Date(fromS * 1000), new Date(toS * 1000)),
      this.metering.trafficUsage(this.db, scope, range.from, addDays(range.to, 1)),
    ]);
    return chargesOf(servers, traffic, fromS, toS, nowS);
  }

  /**
   * A program's charges over whole UTC months [fromMonth, toMonth) from the segments themselves —
   * server time up to now, traffic from the monthly sums. What `programSpend` sums from its rollup;
   * tests compare the two.
   */
  async programMonthCharges(programId: string, fromMonth: string, toMonth: string, now: Date): Promise<Charge[]> {
    await this.refresh();
    const fromS = dayStartS(fromMonth);
    const toS = dayStartS(toMonth);
    const [servers, traffic] = await Promise.all([
      this.metering.serverUsage(this.db, { programId }, new Date(fromS * 1000), new Date(toS * 1000)),
      this.metering.programTrafficByMonth(this.db, programId, fromMonth, toMonth),
    ]);
    return chargesOf(servers, traffic, fromS, toS, Math.floor(now.getTime() / 1000));
  }

  /**
   * What a program spent over whole UTC months [fromMonth, toMonth), summed per grant, project and
   * month and per plan and metro — for dashboards and reports, which must stay fast over a year of
   * data. Closed months come from the monthly rollup (rolled over here when a month has ended),
   * traffic from the monthly sums; only the live month's server time is priced from the segments.
   * Also what each grant spent in a window of days (the dashboard's trailing 30 days), from the
   * same read of the segments.
   */
  async programSpend(
    programId: string,
    fromMonth: string,
    toMonth: string,
    window: DayRange | null,
    now: Date,
  ): Promise<{ summary: SpendSummary; windowByGrant: Map<string | null, number> }> {
    await this.refresh();
    const nowS = Math.floor(now.getTime() / 1000);
    // Never roll a month up before it has really ended (tests ask about other days).
    const realNowS = Math.floor(Date.now() / 1000);
    const rolled = await this.metering.rollUpMonths(this.db, monthOf(Math.min(nowS, realNowS)), realNowS);
    const serversTo = [[rolled, monthOf(nowS), toMonth].sort()[0] as string, fromMonth].sort().at(-1) as string;
    const liveFromS = dayStartS(serversTo);
    const toS = dayStartS(toMonth);
    const readFromS = window ? Math.min(liveFromS, dayStartS(window.from)) : liveFromS;
    const [{ summary, liveProjects }, servers, windowTraffic] = await Promise.all([
      this.metering.programSpend(this.db, programId, fromMonth, toMonth, serversTo),
      readFromS < toS ? this.metering.serverUsage(this.db, { programId }, new Date(readFromS * 1000), new Date(toS * 1000)) : [],
      window
        ? this.metering.programTrafficCentsByGrant(this.db, programId, window.from, addDays(window.to, 1))
        : new Map<string | null, number>(),
    ]);
    addToSummary(summary, chargesOf(servers, [], liveFromS, toS, nowS), liveProjects);
    const windowByGrant = windowTraffic;
    if (window) {
      for (const charge of chargesOf(servers, [], dayStartS(window.from), dayStartS(window.to) + DAY_S, nowS))
        windowByGrant.set(charge.grantId, (windowByGrant.get(charge.grantId) ?? 0) + charge.cents);
    }
    return { summary, windowByGrant };
  }

  /**
   * The SpendSource for program budgets: what the program's grants cost from `from` to `to`
   * (calendar days, both included) — server time up to now, and traffic.
   */
  spendSource = async (programId: string, from: string, to: string): Promise<number> => {
    await this.refresh();
    return sumCents(await this.charges({ programId }, { from, to }, new Date()));
  };

  // ── Money per grant ────────────────────────────────────────────────────────────────────────────

  /** What a grant spent from `from` to `to` (calendar days, both included): for the grant page's figures. */
  grantSpend = async (grantId: string, from: string, to: string): Promise<number> => {
    await this.refresh();
    return sumCents(await this.charges({ grantIds: [grantId] }, { from, to }, new Date()));
  };

  async grantUsage(actor: Actor, grantId: string, months: number, now = new Date()): Promise<GrantUsage> {
    const grant = await this.metering.grantById(this.db, grantId);
    if (!grant) notFound('Grant');
    if (!isStaff(actor)) {
      const role = await this.db
        .selectFrom('project_members')
        .select('role')
        .where('project_id', '=', grant.project_id)
        .where('user_id', '=', actor.userId)
        .executeTakeFirst();
      if (!role) notFound('Grant');
    }
    const nowS = Math.floor(now.getTime() / 1000);
    const thisMonth = monthOf(nowS);
    const firstMonth = [grant.starts_on.slice(0, 8).concat('01'), addMonths(thisMonth, -(months - 1))].sort().at(-1) as string;
    await this.refresh();
    const range = { from: firstMonth, to: now.toISOString().slice(0, 10) };
    const charges = await this.charges({ grantIds: [grantId] }, range, now);
    const alerts = await this.metering.alertsOf(this.db, [grantId], null);
    const credit = Number(grant.monthly_credit_cents);
    const list: GrantMonth[] = [];
    for (let month = thisMonth; month >= firstMonth; month = addMonths(month, -1)) {
      const spent = sumCents(charges.filter((charge) => charge.month === month));
      list.push({
        month,
        credit_cents: credit,
        spent_cents: spent,
        remaining_cents: credit - spent,
        percent_used: percentOf(spent, credit),
        alerts: alerts
          .filter((alert) => alert.month === month)
          .map((alert) => ({ threshold_percent: alert.threshold_percent, sent_at: alert.sent_at.toISOString() })),
      });
    }
    return { grant_id: grantId, currency: grant.currency, monthly_credit_cents: credit, months: list };
  }

  /** This month's burn of a project's live grants, and its idle servers: what the project page shows. */
  async projectBurn(projectId: string, now = new Date()): Promise<ProjectBurn> {
    const nowS = Math.floor(now.getTime() / 1000);
    const month = monthOf(nowS);
    const today = now.toISOString().slice(0, 10);
    const grants = await this.metering.projectGrants(this.db, projectId);
    await this.refresh();
    const charges = grants.length > 0 ? await this.charges({ grantIds: grants.map((g) => g.id) }, { from: month, to: today }, now) : [];
    const monthStartS = dayStartS(month);
    const monthEndS = nextMonthStartS(monthStartS);
    const elapsedS = Math.max(1, nowS - monthStartS);
    const idle = await this.metering.idleFlagsOfProject(this.db, projectId);
    return {
      month,
      days_left_in_month: Math.ceil((monthEndS - nowS) / DAY_S),
      grants: grants.map((grant) => {
        const credit = Number(grant.monthly_credit_cents);
        const spent = sumCents(charges.filter((charge) => charge.grantId === grant.id));
        const lastDay = grant.ends_on;
        return {
          id: grant.id,
          program: grant.program_slug,
          currency: grant.currency,
          credit_cents: credit,
          spent_cents: spent,
          remaining_cents: credit - spent,
          percent_used: percentOf(spent, credit),
          forecast_cents: Math.round((spent * (monthEndS - monthStartS)) / elapsedS),
          is_exhausted: isCreditExhausted(spent, credit),
          last_day: lastDay,
          days_left: lastDay ? Math.max(0, daysBetween(today, lastDay)) : null,
        };
      }),
      idle_servers: idle.map((row) => ({ id: row.server_id, hostname: row.hostname, idle_since: row.idle_since.toISOString() })),
    };
  }

  // ── Alerts and caps (the usage_alerts job) ─────────────────────────────────────────────────────

  /**
   * For every live grant: this month's spend against its credit. Each of 50/80/100 % is recorded
   * once per grant and month (a primary key), and only the run that recorded it tells people: the
   * owners (in-app and email), the program's staff at 100 %, and the program's webhooks. Under the
   * power_off policy, running servers of a grant at 100 % are powered off once the notice is over.
   */
  async runAlerts(now = new Date()): Promise<{ alerted: number; poweredOff: number }> {
    const nowS = Math.floor(now.getTime() / 1000);
    const month = monthOf(nowS);
    const grants = await this.metering.liveGrants(this.db);
    if (grants.length === 0) return { alerted: 0, poweredOff: 0 };
    await this.refresh();
    const charges = await this.charges(
      { grantIds: grants.map((grant) => grant.id) },
      { from: month, to: now.toISOString().slice(0, 10) },
      now,
    );
    const spentByGrant = new Map<string, number>();
    for (const charge of charges)
      if (charge.grantId) spentByGrant.set(charge.grantId, (spentByGrant.get(charge.grantId) ?? 0) + charge.cents);
    let alerted = 0;
    let poweredOff = 0;
    for (const grant of grants) {
      const spent = spentByGrant.get(grant.id) ?? 0;
      const credit = Number(grant.monthly_credit_cents);
      const reached = thresholdsReached(spent, credit);
      if (reached.length === 0) continue;
      const policy = ProgramPolicy.parse(grant.policy).metering;
      alerted += await this.db.transaction().execute(async (tx) => {
        const recorded = await this.metering.recordAlerts(tx, grant.id, month, reached, spent, credit, now);
        if (recorded.length === 0) return 0;
        await this.tell(tx, grant, month, recorded, spent, credit, policy);
        return recorded.length;
      });
      if (reached.includes(100) && policy.over_cap === 'power_off' && this.powerOff) {
        const [alert] = await this.metering
          .alertsOf(this.db, [grant.id], month)
          .then((rows) => rows.filter((r) => r.threshold_percent === 100));
        // The alert was stamped with the job's clock (recordAlerts), so the notice is measured on one clock.
        if (alert && alert.sent_at.getTime() + policy.over_cap_notice_hours * 3_600_000 <= now.getTime()) {
          for (const server of await this.metering.activeServersOfGrant(this.db, grant.id)) {
            const reason = `the grant used its monthly credit for ${month.slice(0, 7)} (over-cap policy: power off)`;
            // Two runs at once both see the server active; only the one whose transition succeeds acts.
            if (!(await this.powerOff(server.id, reason))) continue;
            await this.db.transaction().execute(async (tx) => {
              await this.metering.recordCapAction(tx, grant.id, month, server.id);
              await this.notifications.notify(tx, {
                userIds: await this.notifications.projectOwnerIds(tx, grant.project_id),
                kind: 'server.powered_off',
                title: `${server.hostname} was powered off`,
                body: `${grant.project_name} used its ${month.slice(0, 7)} credit from ${grant.program_slug}, and the program powers running servers off ${policy.over_cap_notice_hours} hours after the notice. Power it on again next month, or ask the program for more credit; a server powered on again this month is powered off again.`,
                link: `/servers/${server.id}`,
                email: true,
              });
            });
            poweredOff++;
          }
        }
      }
    }
    return { alerted, poweredOff };
  }

  private async tell(
    tx: Executor,
    grant: Awaited<ReturnType<MeteringRepository['liveGrants']>>[number],
    month: string,
    thresholds: number[],
    spent: number,
    credit: number,
    policy: { over_cap: 'notify' | 'power_off'; over_cap_notice_hours: number },
  ) {
    const highest = thresholds.at(-1) as number;
    const monthName = month.slice(0, 7);
    const consequence =
      highest < 100
        ? 'At 100 % new servers are refused until next month.'
        : policy.over_cap === 'power_off'
          ? `New servers are refused until next month, and running servers are powered off ${policy.over_cap_notice_hours} hours after this notice.`
          : 'New servers are refused until next month; running servers keep running.';
    await this.notifications.notify(tx, {
      userIds: await this.notifications.projectOwnerIds(tx, grant.project_id),
      kind: 'grant.usage_alert',
      title: `${grant.project_name} used ${highest} % of its monthly credit`,
      body: `${grant.project_name} has used ${spent} of ${credit} cents of its ${monthName} credit from ${grant.program_slug} (${percentOf(spent, credit)} %). ${consequence}`,
      link: `/projects/${grant.project_slug}/usage`,
      email: true,
    });
    if (highest === 100) {
      await this.notifications.notify(tx, {
        userIds: await this.notifications.programStaffIds(tx, grant.program_id),
        kind: 'grant.usage_alert',
        title: `${grant.project_name} reached its monthly credit`,
        body: `${grant.project_name} has used ${spent} of ${credit} cents in ${monthName} (${policy.over_cap === 'power_off' ? 'servers will be powered off' : 'notify only'}).`,
        link: `/projects/${grant.project_slug}/usage`,
      });
    }
    for (const threshold of thresholds) {
      await this.webhooks.emit(tx, grant.program_id, 'grant.usage_alert', {
        grant: {
          id: grant.id,
          project: { id: grant.project_id, slug: grant.project_slug, name: grant.project_name },
          monthly_credit_cents: credit,
        },
        month,
        threshold_percent: threshold as AlertThreshold,
        spent_cents: spent,
        over_cap: policy.over_cap,
      });
    }
  }

  // ── Idle servers (the idle_servers job and the staff list) ─────────────────────────────────────

  /** Flags idle servers, clears flags of servers in use again, and nudges owners once per idle spell. */
  async runIdle(now = new Date()): Promise<{ flagged: number; nudged: number }> {
    const candidates = await this.metering.idleCandidates(this.db, now);
    await this.metering.unflagIdle(
      this.db,
      candidates.map((candidate) => candidate.id),
    );
    let nudged = 0;
    for (const server of candidates) {
      nudged += await this.db.transaction().execute(async (tx) => {
        await this.metering.flagIdle(tx, server.id, server.last_activity_at);
        if (!(await this.metering.markNudged(tx, server.id))) return 0;
        const days = Math.floor((now.getTime() - server.last_activity_at.getTime()) / 86_400_000);
        await this.notifications.notify(tx, {
          userIds: await this.notifications.projectOwnerIds(tx, server.project_id),
          kind: 'server.idle',
          title: `${server.hostname} looks idle`,
          body: `${server.hostname} (${server.plan_slug} in ${server.metro_code}) has had no heartbeat, SSH session or traffic for ${days} days and still uses ${server.price_cents_per_hour} cents of credit an hour. If you no longer need it, delete it: the machine goes back to the pool for another project.`,
          link: `/servers/${server.id}?action=delete`,
          email: true,
        });
        return 1;
      });
    }
    return { flagged: candidates.length, nudged };
  }

  /** The staff list: every idle server (of one program, if asked), longest idle first, and what they cost. */
  async idleList(query: IdleServerQuery = {}, now = new Date()): Promise<IdleServerList> {
    const programId = query.program ? (await this.programs.find(query.program)).id : null;
    const [all, flags] = await Promise.all([this.metering.idleCandidates(this.db, now), this.metering.flaggedIdle(this.db)]);
    const candidates = programId ? all.filter((server) => server.program_id === programId) : all;
    const nudges = new Map(flags.map((flag) => [flag.server_id, flag.nudged_at]));
    const items: IdleServer[] = candidates.map((server) => {
      const idleS = Math.max(0, Math.floor((now.getTime() - server.last_activity_at.getTime()) / 1000));
      return {
        server: { id: server.id, hostname: server.hostname },
        project: { id: server.project_id, slug: server.project_slug, name: server.project_name },
        program: server.program_id ? { id: server.program_id, slug: server.program_slug as string } : null,
        plan: server.plan_slug,
        metro: server.metro_code,
        idle_since: server.last_activity_at.toISOString(),
        idle_days: Math.floor(idleS / DAY_S),
        threshold_days: server.idle_days,
        last_heartbeat_at: server.last_heartbeat_at?.toISOString() ?? null,
        last_ssh_session_at: server.last_ssh_session_at?.toISOString() ?? null,
        last_traffic_on: server.last_traffic_on,
        price_cents_per_hour: server.price_cents_per_hour,
        // A server outside any program is priced as a new program would be: in USD, the default currency.
        currency: server.program_currency ?? 'USD',
        consumed_since_idle_cents: serverCents(idleS, server.price_cents_per_hour),
        cents_per_month: server.price_cents_per_hour * 730,
        nudged_at: nudges.get(server.id)?.toISOString() ?? null,
      };
    });
    // Programs keep their own currencies and Surplus has no exchange rates: sums stay per currency.
    const byCurrency = new Map<string, IdleServerList['totals'][number]>();
    for (const item of items) {
      const total = byCurrency.get(item.currency) ?? {
        currency: item.currency,
        servers: 0,
        consumed_since_idle_cents: 0,
        cents_per_month: 0,
      };
      total.servers++;
      total.consumed_since_idle_cents += item.consumed_since_idle_cents;
      total.cents_per_month += item.cents_per_month;
      byCurrency.set(item.currency, total);
    }
    const totals = [...byCurrency.values()].sort((a, b) => b.cents_per_month - a.cents_per_month || a.currency.localeCompare(b.currency));
    const only = totals.length === 1 ? totals[0] : undefined;
    return {
      items,
      currency: only?.currency ?? null,
      consumed_since_idle_cents: totals.length > 1 ? null : (only?.consumed_since_idle_cents ?? 0),
      cents_per_month: totals.length > 1 ? null : (only?.cents_per_month ?? 0),
      totals,
    };
  }

  // ── Traffic ────────────────────────────────────────────────────────────────────────────────────

  /**
   * Turns NIC counters from heartbeats into samples: the difference to the last reading, or the
   * whole counter after a reset (a reboot starts counting from zero) and for the first reading
   * (counters start at zero when the machine boots for its server). The `traffic_counters` job.
   */
  async readCounters(): Promise<number> {
    const rows = await this.metering.changedCounters(this.db);
    if (rows.length === 0) return 0;
    return this.db.transaction().execute(async (tx) => {
      const samples = [];
      for (const row of rows) {
        const rxDelta = counterDelta(row.last_rx, row.rx_bytes);
        const txDelta = counterDelta(row.last_tx, row.tx_bytes);
        if (rxDelta > 0n || txDelta > 0n) {
          samples.push({
            projectId: row.project_id,
            id: `nic:${row.id}:${row.read_at.getTime()}`,
            serverId: row.id,
            grantId: row.grant_id,
            at: row.read_at,
            bytesIn: String(rxDelta),
            bytesOut: String(txDelta),
          });
        }
        await this.metering.saveReading(tx, row.id, row.rx_bytes, row.tx_bytes, row.read_at);
      }
      return this.metering.insertSamples(tx, samples);
    });
  }

  /**
   * One batch of traffic samples, streamed. Operators and admins report for any server or project;
   * anyone else for the projects they own. Every line is checked; one bad line rejects the batch
   * with every bad line's number and reason, and nothing is stored. Stored samples are idempotent
   * by (project, id): a batch sent again stores nothing twice.
   *
   * Fast path: the rows stream into COPY straight into the samples table while the body is still
   * being read. A unique violation there means some ids were stored before: the transaction is
   * rolled back and the batch goes through a staging table with ON CONFLICT DO NOTHING instead.
   */
  async ingestTraffic(actor: Actor, format: TrafficFormat, body: AsyncIterable<Buffer | string>): Promise<TrafficIngestResult> {
    const canReportAny = isAdmin(actor) || actor.roles.includes('operator');
    const owned = canReportAny ? null : new Set(await this.metering.ownedProjectIds(this.db, actor.userId));
    // Look-ups go through the pool: the transaction's connection is busy with the COPY.
    const reader = new TrafficBatchReader({
      format,
      owned,
      nowMs: Date.now(),
      resolver: {
        servers: (ids) => this.metering.resolveServers(this.db, ids),
        projects: (keys) => this.metering.resolveProjects(this.db, keys),
      },
    });
    const limitBytes = this.settings.ingestLimitBytes;
    const outcome = await this.db
      .transaction()
      .execute(async (tx) => {
        const copy = await this.metering.startSampleCopy(tx);
        const send = async (chunk: Buffer | null) => {
          if (chunk && !copy.error) await copy.write(chunk).catch(() => {});
        };
        try {
          await send(COPY_BINARY_HEADER);
          let bytes = 0;
          for await (const piece of body) {
            const chunk = typeof piece === 'string' ? Buffer.from(piece) : piece;
            bytes += chunk.length;
            if (bytes > limitBytes)
              throw new AppError(
                'ERR_PAYLOAD_TOO_LARGE',
                `A traffic batch is at most ${Math.round(limitBytes / 1024 / 1024)} MB; split the file.`,
              );
            reader.push(chunk);
            if (reader.isPendingFull) await reader.flush();
            await send(reader.take());
          }
          reader.end();
          if (reader.hasPending) await reader.flush();
          await send(reader.take(0));
        } catch (error) {
          await copy.abort('the batch was not read to its end');
          throw error;
        }
        if (reader.isBad || reader.received === 0) {
          await copy.abort('the batch has bad lines');
          throw reader.failure();
        }
        await send(COPY_BINARY_TRAILER);
        // A unique violation (code 23505) here aborts the transaction: Kysely rolls it back and rethrows.
        await copy.end();
        await this.metering.addRollups(tx, reader.rollups());
        return reader.received;
      })
      .catch((error) => {
        if ((error as { code?: string }).code === '23505') return 'duplicates' as const;
        throw error;
      });
    if (outcome !== 'duplicates') return { received: reader.received, stored: outcome, duplicates: 0 };
    const stored = await this.db
      .transaction()
      .execute((tx) => this.metering.insertViaStaging(tx, [COPY_BINARY_HEADER, ...reader.chunks, COPY_BINARY_TRAILER], 'binary'));
    return { received: reader.received, stored, duplicates: reader.received - stored };
  }
}

function counterDelta(last: string | null, current: string): bigint {
  const now = BigInt(current);
  if (last === null) return now;
  const before = BigInt(last);
  return now >= before ? now - before : now;
}

export type DayRange = { from: string; to: string };

function rangeOf(query: UsageQuery, now: Date): DayRange {
  const today = now.toISOString().slice(0, 10);
  const from = query.from ?? `${today.slice(0, 8)}01`;
  const to = query.to ?? today;
  if (to < from)
    throw new AppError('ERR_VALIDATION', 'to: must not be before from', { fields: [{ field: 'to', message: 'must not be before from' }] });
  if (daysBetween(from, to) > 3700)
    throw new AppError('ERR_VALIDATION', 'to: the range is at most ten years', {
      fields: [{ field: 'to', message: 'the range is at most ten years' }],
    });
  return { from, to };
}

function percentOf(spent: number, credit: number): number {
  if (credit <= 0) return spent > 0 ? 100 : 0;
  return Math.floor((spent * 100) / credit);
}

/** 'YYYY-MM-01' plus n months. */
function addMonths(month: string, n: number): string {
  const [year, m] = month.split('-').map(Number) as [number, number];
  const date = new Date(Date.UTC(year, m - 1 + n, 1));
  return date.toISOString().slice(0, 10);
}

// ── What other areas call ────────────────────────────────────────────────────────────────────────

const repository = new MeteringRepository();

/**
 * The credit check at server create: null while the grant's spend this UTC month is certainly under
 * `creditCents`, else the spend itself (grantMonthSpendCents). "Certainly under" comes from a bound
 * (grantServerTimeBoundCents: every server billed every second since it was created) plus the exact
 * traffic, two one-row reads; the replay of every event of the grant's servers this month, which
 * grows with the grant, runs only when the bound reaches the credit (with the traffic already read).
 */
export async function grantMonthSpendIfNearCredit(
  db: Executor,
  grantId: string,
  creditCents: number,
  now = new Date(),
): Promise<number | null> {
  const nowS = Math.floor(now.getTime() / 1000);
  const month = monthOf(nowS);
  const traffic = await repository.trafficUsage(db, { grantIds: [grantId] }, month, addDays(now.toISOString().slice(0, 10), 1));
  const trafficSpent = sumCents(chargesOf([], traffic, dayStartS(month), nowS + 1, nowS));
  const bound = await repository.grantServerTimeBoundCents(db, grantId, dayStartS(month), nowS);
  if (!isCreditExhausted(bound + trafficSpent, creditCents)) return null;
  const servers = await repository.grantUsageFromEvents(db, grantId, new Date(dayStartS(month) * 1000));
  return sumCents(chargesOf(servers, traffic, dayStartS(month), nowS + 1, nowS));
}

/**
 * What a grant spent this UTC month, from the events themselves inside the caller's transaction:
 * the exact figure grantMonthSpendIfNearCredit gives near the credit (its test compares the two).
 */
export async function grantMonthSpendCents(db: Executor, grantId: string, now = new Date()): Promise<number> {
  const nowS = Math.floor(now.getTime() / 1000);
  const month = monthOf(nowS);
  const monthStart = new Date(dayStartS(month) * 1000);
  // One after the other: `db` is usually the caller's transaction, one connection.
  const servers = await repository.grantUsageFromEvents(db, grantId, monthStart);
  const traffic = await repository.trafficUsage(db, { grantIds: [grantId] }, month, addDays(now.toISOString().slice(0, 10), 1));
  return sumCents(chargesOf(servers, traffic, dayStartS(month), nowS + 1, nowS));
}
