import { sql } from 'kysely';
import type { Db, Executor } from '../db/database.ts';
import { startCopyIn } from './copy-in.ts';
import {
  type CountingPolicy,
  dayStartS,
  type LifecycleEvent,
  type Segment,
  type ServerMonth,
  type ServerUsage,
  type SpendSummary,
  segmentsOf,
  serverMonthsOf,
  type TrafficUsage,
} from './usage.ts';

/** Which servers and traffic a usage question is about. */
export type UsageScope = { projectId: string } | { programId: string } | { grantIds: string[] };

type ServerSegmentsRow = {
  server_id: string;
  project_id: string;
  grant_id: string | null;
  plan_slug: string;
  metro_code: string;
  price_cents_per_hour: number;
  counting: CountingPolicy;
  segments: string;
};

type EventRow = { server_id: string; id: string; occurred_at: Date; from_state: string | null; to_state: string; step: string | null };

export type TrafficRollup = {
  projectId: string;
  serverId: string | null;
  grantId: string | null;
  /** 'YYYY-MM-DD' */
  day: string;
  bytesIn: bigint;
  bytesOut: bigint;
  samples: number;
};

export type ResolvedServer = { id: string; project_id: string; grant_id: string | null };
export type ResolvedProject = { id: string; slug: string; grants: { id: string; starts_on: string; ends_on: string | null }[] };

const SAMPLE_COLUMNS = '(project_id, sample_id, server_id, grant_id, sampled_at, bytes_in, bytes_out)';

function scopeFilter(scope: UsageScope, column: (name: 'project_id' | 'program_id' | 'grant_id') => string) {
  if ('projectId' in scope) return sql`${sql.ref(column('project_id'))} = ${scope.projectId}`;
  if ('programId' in scope) return sql`${sql.ref(column('program_id'))} = ${scope.programId}`;
  return sql`${sql.ref(column('grant_id'))} = any(${scope.grantIds}::uuid[])`;
}

export class MeteringRepository {
  // ── Segments ─────────────────────────────────────────────────────────────────────────────────────

  /**
   * Recomputes the segments of servers whose events changed. Rows another refresh holds are
   * skipped (it is computing them); a refresh never waits for anyone, so it cannot deadlock with
   * the transactions that write events.
   */
  async refreshSegments(db: Db, batchSize = 5000): Promise<number> {
    // Most reads find nothing to do: one cheap look first, a transaction only when there is work.
    const probe = await sql<{ is_dirty: boolean }>`select exists (select 1 from usage_dirty_servers) as is_dirty`.execute(db);
    if (!probe.rows[0]?.is_dirty) return 0;
    let refreshed = 0;
    for (let deadlocks = 0; ; ) {
      const batch = db.transaction().execute(async (tx) => {
        const dirty = await sql<{ server_id: string }>`
          select server_id from usage_dirty_servers order by server_id limit ${batchSize} for update skip locked`.execute(tx);
        const ids = dirty.rows.map((row) => row.server_id);
        if (ids.length === 0) return 0;
        const servers = await sql<{
          id: string;
          project_id: string;
          grant_id: string | null;
          program_id: string | null;
          plan_slug: string;
          metro_code: string;
        }>`
          select s.id, s.project_id, s.grant_id, g.program_id, s.plan_slug, s.metro_code
          from servers s left join grants g on g.id = s.grant_id
          where s.id = any(${ids}::uuid[])`.execute(tx);
        const events = await this.eventsOf(tx, ids);
        // Shared: a month's rollover waits for this batch, and this batch for a rollover under way.
        const rolledS = await this.rolledThroughS(tx, 'share');
        const nowS = Math.floor(Date.now() / 1000);
        const months = new MonthRows();
        const rows = {
          server: [] as string[],
          project: [] as string[],
          grant: [] as (string | null)[],
          program: [] as (string | null)[],
          plan: [] as string[],
          metro: [] as string[],
          started: [] as number[],
          ended: [] as (number | null)[],
          segments: [] as string[],
        };
        for (const server of servers.rows) {
          const segments = segmentsOf(events.get(server.id) ?? []);
          const last = segments.at(-1);
          if (!last) continue;
          rows.server.push(server.id);
          rows.project.push(server.project_id);
          rows.grant.push(server.grant_id);
          rows.program.push(server.program_id);
          rows.plan.push(server.plan_slug);
          rows.metro.push(server.metro_code);
          rows.started.push((segments[0] as Segment).startS);
          rows.ended.push(last.endS);
          rows.segments.push(packSegments(segments));
          if (rolledS !== null) months.add(server, serverMonthsOf(segments, 0, rolledS, nowS));
        }
        await sql`delete from usage_servers where server_id = any(${ids}::uuid[])`.execute(tx);
        await sql`delete from usage_server_months where server_id = any(${ids}::uuid[])`.execute(tx);
        await months.insert(tx);
        if (rows.server.length > 0) {
          await sql`
            insert into usage_servers (server_id, project_id, grant_id, program_id, plan_slug, metro_code, started_s, ended_s, segments)
            select * from unnest(${rows.server}::uuid[], ${rows.project}::uuid[], ${rows.grant}::uuid[], ${rows.program}::uuid[],
              ${rows.plan}::text[], ${rows.metro}::text[], ${rows.started}::bigint[], ${rows.ended}::bigint[], ${rows.segments}::text[])`.execute(
            tx,
          );
        }
        await sql`delete from usage_dirty_servers where server_id = any(${ids}::uuid[])`.execute(tx);
        return ids.length;
      });
      // Two refreshes of servers sharing a plan, metro or grant can lock the same monthly sums in
      // opposite order (their delete, then their insert): PostgreSQL aborts one; it runs again.
      const count = await batch.catch((error: { code?: string }) => {
        if (error.code === '40P01' && ++deadlocks <= 3) return -1;
        throw error;
      });
      if (count < 0) continue;
      refreshed += count;
      if (count < batchSize) return refreshed;
    }
  }

  /** The start of the first month not rolled up yet, in seconds (null: nothing rolled up). */
  private async rolledThroughS(db: Executor, lock: 'share' | 'update' | null): Promise<number | null> {
    const rows = await sql<{ rolled_through: string | null }>`
      select to_char(rolled_through, 'YYYY-MM-DD') as rolled_through from usage_rollup_state
      ${lock === 'share' ? sql`for share` : lock === 'update' ? sql`for update` : sql``}`.execute(db);
    const day = rows.rows[0]?.rolled_through ?? null;
    return day === null ? null : dayStartS(day);
  }

  /**
   * Rolls every server's usage up to `monthStart` (the current month's start): the months closed
   * since the last rollover get their rows, from the stored segments (refresh first). Once a month;
   * returns the month rolled through.
   */
  async rollUpMonths(db: Db, monthStart: string, nowS: number): Promise<string> {
    const toS = dayStartS(monthStart);
    const rolledS = await this.rolledThroughS(db, null);
    if (rolledS !== null && rolledS >= toS) return new Date(rolledS * 1000).toISOString().slice(0, 10);
    return db.transaction().execute(async (tx) => {
      const fromS = (await this.rolledThroughS(tx, 'update')) ?? Number.NEGATIVE_INFINITY;
      if (fromS >= toS) return new Date(fromS * 1000).toISOString().slice(0, 10);
      const servers = await sql<ServerSegmentsRow & { program_id: string | null }>`
        select server_id, project_id, grant_id, program_id, plan_slug, metro_code, segments from usage_servers
        where started_s < ${toS} ${Number.isFinite(fromS) ? sql`and (ended_s is null or ended_s > ${fromS})` : sql``}`.execute(tx);
      const months = new MonthRows();
      for (const server of servers.rows) {
        months.add(server, serverMonthsOf(unpackSegments(server.segments), Number.isFinite(fromS) ? fromS : 0, toS, nowS));
      }
      await months.insert(tx);
      await sql`update usage_rollup_state set rolled_through = ${monthStart}::date`.execute(tx);
      // A month's rows at once: let the planner know them before the dashboards read them.
      await sql`analyze usage_server_months`.execute(tx);
      return monthStart;
    });
  }

  /**
   * A program's spend over whole months [fromMonth, toMonth): server time of the rolled-up months
   * before `serversTo` from their sums per program and month (usage_program_months: rounded per
   * server and month, under the program's counting policy), and traffic of every month from the
   * monthly sums (rounded per source and month), per grant, project and month and per plan and metro.
   */
  async programSpend(
    db: Executor,
    programId: string,
    fromMonth: string,
    toMonth: string,
    serversTo: string,
  ): Promise<{ summary: SpendSummary; liveProjects: Map<string, Set<string>> }> {
    const rows = await sql<{
      dim: 'grant' | 'month' | 'projects' | 'live' | 'plan' | 'metro';
      grant_id: string | null;
      project_id: string | null;
      key: string | null;
      month: string | null;
      seconds: number;
      cents: number;
      bytes_in: string;
      bytes_out: string;
    }>`
      with program as materialized (
        select policy #>> '{metering,counting}' = 'powered_on' as is_powered_on,
          coalesce((policy #>> '{metering,traffic_cents_per_gb}')::integer, 0) as cents_per_gb
        from programs where id = ${programId}
      ), server_time as (
        -- Seconds and cents as float8: whole numbers, exact far beyond any program's year, and summed faster than numeric.
        select u.dim, u.grant_id, u.project_id, coalesce(u.plan_slug, u.metro_code) as key, u.month,
          (case when g.is_powered_on then u.powered_on_s else u.allocated_s end)::float8 as seconds,
          (case when g.is_powered_on then u.powered_on_cents else u.allocated_cents end)::float8 as cents
        from usage_program_months u cross join program g
        where u.program_id = ${programId} and u.month >= ${fromMonth}::date and u.month < ${serversTo}::date
          and case when g.is_powered_on then u.powered_on_n else u.allocated_n end > 0
      ), traffic as (
        select t.grant_id, t.project_id, s.plan_slug, s.metro_code, t.month, t.bytes_in, t.bytes_out,
          div(t.bytes_out::numeric * g.cents_per_gb + 500000000, 1000000000)::float8 as cents
        from traffic_monthly t
        cross join program g
        left join servers s on s.id = t.server_id
        where t.program_id = ${programId} and t.month >= ${fromMonth}::date and t.month < ${toMonth}::date
      ), grant_months as (
        select grant_id, project_id, month, sum(seconds) as seconds, sum(cents) as cents, sum(bytes_in) as bytes_in,
          sum(bytes_out) as bytes_out
        from (
          select grant_id, project_id, month, seconds, cents, 0::bigint as bytes_in, 0::bigint as bytes_out from server_time where dim = 'grant'
          union all
          select grant_id, project_id, month, 0, cents, bytes_in, bytes_out from traffic
        ) pieces
        group by grant_id, project_id, month
      ), used as (
        select project_id, month from grant_months where cents > 0 or seconds > 0 or bytes_out > 0
      )
      select 'grant' as dim, grant_id, project_id, null::text as key, null::text as month, sum(seconds)::float8 as seconds,
        sum(cents)::float8 as cents, sum(bytes_in)::text as bytes_in, sum(bytes_out)::text as bytes_out
      from grant_months group by grant_id, project_id
      union all
      select 'month', null::uuid, null::uuid, null::text, to_char(month, 'YYYY-MM-DD'), 0, sum(cents)::float8, '0', '0' from grant_months group by month
      union all
      select 'projects', null::uuid, null::uuid, null::text, to_char(month, 'YYYY-MM-DD'), count(distinct project_id), 0, '0', '0'
      from used where month < ${serversTo}::date group by month
      union all
      select distinct 'live', null::uuid, project_id, null::text, to_char(month, 'YYYY-MM-DD'), 0, 0, '0', '0' from used where month >= ${serversTo}::date
      union all
      select 'plan', null::uuid, null::uuid, key, null::text, 0, sum(cents)::float8, '0', '0'
      from (select key, cents from server_time where dim = 'plan' union all select plan_slug, cents from traffic) plans group by key
      union all
      select 'metro', null::uuid, null::uuid, key, null::text, 0, sum(cents)::float8, '0', '0'
      from (select key, cents from server_time where dim = 'metro' union all select metro_code, cents from traffic) metros group by key`.execute(
      db,
    );
    const summary: SpendSummary = { byGrant: [], byMonth: new Map(), byPlan: new Map(), byMetro: new Map(), projectsByMonth: new Map() };
    const liveProjects = new Map<string, Set<string>>();
    for (const row of rows.rows) {
      if (row.dim === 'grant')
        summary.byGrant.push({
          grantId: row.grant_id,
          projectId: row.project_id as string,
          seconds: row.seconds,
          cents: row.cents,
          bytesIn: BigInt(row.bytes_in),
          bytesOut: BigInt(row.bytes_out),
        });
      else if (row.dim === 'month') summary.byMonth.set(row.month as string, row.cents);
      else if (row.dim === 'projects') summary.projectsByMonth.set(row.month as string, row.seconds);
      else if (row.dim === 'live') {
        const set = liveProjects.get(row.month as string) ?? new Set<string>();
        set.add(row.project_id as string);
        liveProjects.set(row.month as string, set);
      } else if (row.dim === 'plan') summary.byPlan.set(row.key, row.cents);
      else summary.byMetro.set(row.key, row.cents);
    }
    return { summary, liveProjects };
  }

  /**
   * A program's traffic cents per grant over the days [fromDay, toDay): priced per source and
   * month as `trafficUsage` and `chargesOf` do, summed in the database (the dashboard's trailing days).
   */
  async programTrafficCentsByGrant(db: Executor, programId: string, fromDay: string, toDay: string): Promise<Map<string | null, number>> {
    const rows = await sql<{ grant_id: string | null; cents: number }>`
      with program as materialized (
        select coalesce((policy #>> '{metering,traffic_cents_per_gb}')::integer, 0) as cents_per_gb from programs where id = ${programId}
      ), sources as (
        select t.grant_id, sum(t.bytes_out) as bytes_out
        from traffic_daily t join grants g on g.id = t.grant_id
        where g.program_id = ${programId} and t.day >= ${fromDay}::date and t.day < ${toDay}::date
        group by t.project_id, t.server_id, t.grant_id, date_trunc('month', t.day)
      )
      select s.grant_id, sum(div(s.bytes_out * p.cents_per_gb + 500000000, 1000000000))::float8 as cents
      from sources s cross join program p group by s.grant_id`.execute(db);
    return new Map(rows.rows.map((row) => [row.grant_id, row.cents]));
  }

  async eventsOf(db: Executor, serverIds: string[]): Promise<Map<string, LifecycleEvent[]>> {
    const rows = await sql<EventRow>`
      select server_id, id, occurred_at, from_state, to_state, step from server_events
      where server_id = any(${serverIds}::uuid[])
      order by server_id, id`.execute(db);
    const out = new Map<string, LifecycleEvent[]>();
    for (const row of rows.rows) {
      let list = out.get(row.server_id);
      if (!list) {
        list = [];
        out.set(row.server_id, list);
      }
      list.push({ id: Number(row.id), atMs: row.occurred_at.getTime(), from: row.from_state, to: row.to_state, step: row.step });
    }
    return out;
  }

  /** The stored segments of a scope's servers that overlap [from, to), with price and counting policy. */
  async serverUsage(db: Executor, scope: UsageScope, from: Date, to: Date): Promise<ServerUsage[]> {
    const fromS = Math.floor(from.getTime() / 1000);
    const toS = Math.ceil(to.getTime() / 1000);
    const rows = await sql<ServerSegmentsRow>`
      select u.server_id, u.project_id, u.grant_id, u.plan_slug, u.metro_code, p.price_cents_per_hour,
        coalesce(pr.policy #>> '{metering,counting}', 'allocated') as counting, u.segments
      from usage_servers u
      join plans p on p.slug = u.plan_slug
      left join programs pr on pr.id = u.program_id
      where ${scopeFilter(scope, (name) => `u.${name}`)} and u.started_s < ${toS} and (u.ended_s is null or u.ended_s > ${fromS})`.execute(
      db,
    );
    return rows.rows.map((row) => ({
      serverId: row.server_id,
      projectId: row.project_id,
      grantId: row.grant_id,
      planSlug: row.plan_slug,
      metroCode: row.metro_code,
      priceCentsPerHour: row.price_cents_per_hour,
      policy: row.counting === 'powered_on' ? 'powered_on' : 'allocated',
      segments: unpackSegments(row.segments),
    }));
  }

  /**
   * An upper bound of what the grant's servers cost from `fromS` to `nowS` (seconds): each server
   * billed every second from its creation (or `fromS`) to `nowS` + 1, with serverCents' rounding,
   * in one aggregate row. A server is never billed before it exists or past now, so the replay of
   * its events (grantUsageFromEvents) never comes to more.
   */
  async grantServerTimeBoundCents(db: Executor, grantId: string, fromS: number, nowS: number): Promise<number> {
    const { rows } = await sql<{ cents: string }>`
      select coalesce(sum(floor((greatest(0, ${nowS + 1}::bigint - greatest(floor(extract(epoch from s.created_at))::bigint, ${fromS}::bigint))
          * p.price_cents_per_hour + 1800) / 3600)), 0)::text as cents
      from servers s
      join plans p on p.slug = s.plan_slug
      where s.grant_id = ${grantId} and (s.deleted_at is null or s.deleted_at > to_timestamp(${fromS}))`.execute(db);
    return Number(rows[0]?.cents ?? 0);
  }

  /**
   * A grant's server usage from the events themselves, inside the caller's transaction: what the
   * credit check at server create replays near the credit, so it never waits for (or writes) the
   * stored segments.
   */
  async grantUsageFromEvents(db: Executor, grantId: string, from: Date): Promise<ServerUsage[]> {
    const servers = await sql<{
      id: string;
      project_id: string;
      grant_id: string;
      plan_slug: string;
      metro_code: string;
      price_cents_per_hour: number;
      counting: CountingPolicy;
    }>`
      select s.id, s.project_id, s.grant_id, s.plan_slug, s.metro_code, p.price_cents_per_hour,
        coalesce(pr.policy #>> '{metering,counting}', 'allocated') as counting
      from servers s
      join plans p on p.slug = s.plan_slug
      join grants g on g.id = s.grant_id
      join programs pr on pr.id = g.program_id
      where s.grant_id = ${grantId} and (s.deleted_at is null or s.deleted_at > ${from})`.execute(db);
    if (servers.rows.length === 0) return [];
    const events = await this.eventsOf(
      db,
      servers.rows.map((server) => server.id),
    );
    return servers.rows.map((server) => ({
      serverId: server.id,
      projectId: server.project_id,
      grantId: server.grant_id,
      planSlug: server.plan_slug,
      metroCode: server.metro_code,
      priceCentsPerHour: server.price_cents_per_hour,
      policy: server.counting,
      segments: segmentsOf(events.get(server.id) ?? []),
    }));
  }

  /** Traffic of a scope per source and month, for the days [fromDay, toDay) (traffic is kept per day). */
  async trafficUsage(db: Executor, scope: UsageScope, fromDay: string, toDay: string): Promise<TrafficUsage[]> {
    const programJoin = 'programId' in scope ? sql`join grants sg on sg.id = t.grant_id and sg.program_id = ${scope.programId}` : sql``;
    const filter = 'programId' in scope ? sql`true` : scopeFilter(scope, (name) => `t.${name}`);
    const rows = await sql<{
      project_id: string;
      server_id: string | null;
      grant_id: string | null;
      month: string;
      bytes_in: string;
      bytes_out: string;
      plan_slug: string | null;
      metro_code: string | null;
      cents_per_gb: number;
    }>`
      select t.project_id, t.server_id, t.grant_id, to_char(date_trunc('month', t.day), 'YYYY-MM-DD') as month,
        sum(t.bytes_in)::text as bytes_in, sum(t.bytes_out)::text as bytes_out, s.plan_slug, s.metro_code,
        coalesce((pr.policy #>> '{metering,traffic_cents_per_gb}')::integer, 0) as cents_per_gb
      from traffic_daily t
      ${programJoin}
      left join servers s on s.id = t.server_id
      left join grants g on g.id = t.grant_id
      left join programs pr on pr.id = g.program_id
      where ${filter} and t.day >= ${fromDay}::date and t.day < ${toDay}::date
      group by t.project_id, t.server_id, t.grant_id, date_trunc('month', t.day), s.plan_slug, s.metro_code, pr.policy`.execute(db);
    return rows.rows.map((row) => ({
      projectId: row.project_id,
      serverId: row.server_id,
      grantId: row.grant_id,
      planSlug: row.plan_slug,
      metroCode: row.metro_code,
      month: row.month,
      bytesIn: BigInt(row.bytes_in),
      bytesOut: BigInt(row.bytes_out),
      centsPerGb: row.cents_per_gb,
    }));
  }

  /** Program traffic per source and whole month from the monthly sums (dashboards and reports). */
  async programTrafficByMonth(db: Executor, programId: string, fromMonth: string, toMonth: string): Promise<TrafficUsage[]> {
    const rows = await sql<{
      project_id: string;
      server_id: string | null;
      grant_id: string | null;
      month: string;
      bytes_in: string;
      bytes_out: string;
      plan_slug: string | null;
      metro_code: string | null;
      cents_per_gb: number;
    }>`
      select t.project_id, t.server_id, t.grant_id, to_char(t.month, 'YYYY-MM-DD') as month, t.bytes_in::text, t.bytes_out::text,
        s.plan_slug, s.metro_code, coalesce((pr.policy #>> '{metering,traffic_cents_per_gb}')::integer, 0) as cents_per_gb
      from traffic_monthly t
      join programs pr on pr.id = t.program_id
      left join servers s on s.id = t.server_id
      where t.program_id = ${programId} and t.month >= ${fromMonth}::date and t.month < ${toMonth}::date`.execute(db);
    return rows.rows.map((row) => ({
      projectId: row.project_id,
      serverId: row.server_id,
      grantId: row.grant_id,
      planSlug: row.plan_slug,
      metroCode: row.metro_code,
      month: row.month,
      bytesIn: BigInt(row.bytes_in),
      bytesOut: BigInt(row.bytes_out),
      centsPerGb: row.cents_per_gb,
    }));
  }

  // ── Traffic ingest ───────────────────────────────────────────────────────────────────────────────

  async resolveServers(db: Executor, ids: string[]): Promise<ResolvedServer[]> {
    if (ids.length === 0) return [];
    const rows = await sql<ResolvedServer>`
      select id, project_id, grant_id from servers where id = any(${ids}::uuid[])`.execute(db);
    return rows.rows;
  }

  async resolveProjects(db: Executor, keys: string[]): Promise<(ResolvedProject & { key: string })[]> {
    if (keys.length === 0) return [];
    // A grant's last day: the day it ended early, or its planned end (LEAST ignores nulls).
    const rows = await sql<{ key: string; id: string; slug: string; grants: ResolvedProject['grants'] | null }>`
      select k.key, p.id, p.slug::text as slug,
        (select json_agg(json_build_object('id', g.id, 'starts_on', g.starts_on, 'ends_on', least(g.ended_at::date, g.ends_on))
            order by g.starts_on desc)
          from grants g where g.project_id = p.id) as grants
      from unnest(${keys}::text[]) as k(key)
      join projects p on p.slug = k.key::citext or p.id::text = lower(k.key)`.execute(db);
    return rows.rows.map((row) => ({ ...row, grants: row.grants ?? [] }));
  }

  async ownedProjectIds(db: Executor, userId: string): Promise<string[]> {
    const rows = await sql<{ project_id: string }>`
      select project_id from project_members where user_id = ${userId} and role = 'owner'`.execute(db);
    return rows.rows.map((row) => row.project_id);
  }

  /** COPY straight into the samples table: the fast path, refused by a unique violation if any id is stored. */
  startSampleCopy(tx: Executor) {
    return startCopyIn(tx, `copy traffic_samples ${SAMPLE_COLUMNS} from stdin (format binary)`);
  }

  /**
   * The path for batches repeating stored ids: COPY into a temporary table, then insert what is new
   * and add only that to the sums. Returns how many samples were new.
   */
  async insertViaStaging(tx: Executor, chunks: readonly (string | Buffer)[], format: 'text' | 'binary'): Promise<number> {
    await sql`create temporary table traffic_staging (like traffic_samples including defaults) on commit drop`.execute(tx);
    const copy = await startCopyIn(tx, `copy traffic_staging ${SAMPLE_COLUMNS} from stdin${format === 'binary' ? ' (format binary)' : ''}`);
    for (const chunk of chunks) await copy.write(chunk);
    await copy.end();
    const result = await sql<{ n: string }>`
      with inserted as (
        insert into traffic_samples ${sql.raw(SAMPLE_COLUMNS)}
        select distinct on (project_id, sample_id) project_id, sample_id, server_id, grant_id, sampled_at, bytes_in, bytes_out
        from traffic_staging order by project_id, sample_id
        on conflict do nothing
        returning project_id, server_id, grant_id, sampled_at, bytes_in, bytes_out
      ), daily as (
        select project_id, server_id, grant_id, (sampled_at at time zone 'UTC')::date as day,
          sum(bytes_in) as bytes_in, sum(bytes_out) as bytes_out, count(*) as samples
        from inserted group by 1, 2, 3, 4
      ), upserted as (
        insert into traffic_daily (project_id, server_id, grant_id, day, bytes_in, bytes_out, samples)
        select * from daily order by 1, 2, 3, 4
        on conflict (project_id, server_id, grant_id, day) do update set
          bytes_in = traffic_daily.bytes_in + excluded.bytes_in,
          bytes_out = traffic_daily.bytes_out + excluded.bytes_out,
          samples = traffic_daily.samples + excluded.samples
      ), monthly as (
        insert into traffic_monthly (project_id, server_id, grant_id, program_id, month, bytes_in, bytes_out)
        select d.project_id, d.server_id, d.grant_id, g.program_id, date_trunc('month', d.day)::date, sum(d.bytes_in), sum(d.bytes_out)
        from daily d left join grants g on g.id = d.grant_id
        group by 1, 2, 3, 4, 5 order by 1, 2, 3, 5
        on conflict (project_id, server_id, grant_id, month) do update set
          bytes_in = traffic_monthly.bytes_in + excluded.bytes_in,
          bytes_out = traffic_monthly.bytes_out + excluded.bytes_out
      )
      select count(*)::text as n from inserted`.execute(tx);
    return Number(result.rows[0]?.n ?? 0);
  }

  /** Adds a batch's sums (every sample new) to the daily and monthly sums, in key order so concurrent batches cannot deadlock. */
  async addRollups(tx: Executor, rollups: TrafficRollup[]): Promise<void> {
    if (rollups.length === 0) return;
    const sorted = [...rollups].sort(
      (a, b) =>
        a.projectId.localeCompare(b.projectId) ||
        (a.serverId ?? '').localeCompare(b.serverId ?? '') ||
        (a.grantId ?? '').localeCompare(b.grantId ?? '') ||
        a.day.localeCompare(b.day),
    );
    const project = sorted.map((r) => r.projectId);
    const server = sorted.map((r) => r.serverId);
    const grant = sorted.map((r) => r.grantId);
    const day = sorted.map((r) => r.day);
    const bytesIn = sorted.map((r) => String(r.bytesIn));
    const bytesOut = sorted.map((r) => String(r.bytesOut));
    const samples = sorted.map((r) => r.samples);
    await sql`
      with daily as (
        select * from unnest(${project}::uuid[], ${server}::uuid[], ${grant}::uuid[], ${day}::date[], ${bytesIn}::bigint[],
          ${bytesOut}::bigint[], ${samples}::bigint[]) as d(project_id, server_id, grant_id, day, bytes_in, bytes_out, samples)
      ), upserted as (
        insert into traffic_daily (project_id, server_id, grant_id, day, bytes_in, bytes_out, samples)
        select * from daily
        on conflict (project_id, server_id, grant_id, day) do update set
          bytes_in = traffic_daily.bytes_in + excluded.bytes_in,
          bytes_out = traffic_daily.bytes_out + excluded.bytes_out,
          samples = traffic_daily.samples + excluded.samples
      )
      insert into traffic_monthly (project_id, server_id, grant_id, program_id, month, bytes_in, bytes_out)
      select d.project_id, d.server_id, d.grant_id, g.program_id, date_trunc('month', d.day)::date, sum(d.bytes_in), sum(d.bytes_out)
      from daily d left join grants g on g.id = d.grant_id
      group by 1, 2, 3, 4, 5 order by 1, 2, 3, 5
      on conflict (project_id, server_id, grant_id, month) do update set
        bytes_in = traffic_monthly.bytes_in + excluded.bytes_in,
        bytes_out = traffic_monthly.bytes_out + excluded.bytes_out`.execute(tx);
  }

  /** A few samples at once (NIC counter readings): the same rules as the batch API, without COPY. */
  async insertSamples(
    tx: Executor,
    samples: {
      projectId: string;
      id: string;
      serverId: string | null;
      grantId: string | null;
      at: Date;
      bytesIn: string;
      bytesOut: string;
    }[],
  ): Promise<number> {
    if (samples.length === 0) return 0;
    const lines = samples.map(
      (s) => `${s.projectId}\t${s.id}\t${s.serverId ?? '\\N'}\t${s.grantId ?? '\\N'}\t${s.at.toISOString()}\t${s.bytesIn}\t${s.bytesOut}\n`,
    );
    return this.insertViaStaging(tx, [lines.join('')], 'text');
  }

  // ── NIC counters ───────────────────────────────────────────────────────────────────────────────

  /** Servers whose heartbeats carried NIC counters different from the last reading. */
  async changedCounters(db: Executor) {
    const rows = await sql<{
      id: string;
      project_id: string;
      grant_id: string | null;
      rx_bytes: string;
      tx_bytes: string;
      read_at: Date;
      last_rx: string | null;
      last_tx: string | null;
    }>`
      select s.id, s.project_id, s.grant_id, s.rx_bytes::text, s.tx_bytes::text, coalesce(s.last_heartbeat_at, now()) as read_at,
        r.rx_bytes::text as last_rx, r.tx_bytes::text as last_tx
      from servers s left join traffic_counter_readings r on r.server_id = s.id
      where s.rx_bytes is not null and s.tx_bytes is not null
        and (r.server_id is null or r.rx_bytes <> s.rx_bytes or r.tx_bytes <> s.tx_bytes)`.execute(db);
    return rows.rows;
  }

  async saveReading(tx: Executor, serverId: string, rxBytes: string, txBytes: string, readAt: Date) {
    await sql`
      insert into traffic_counter_readings (server_id, rx_bytes, tx_bytes, read_at) values (${serverId}, ${rxBytes}, ${txBytes}, ${readAt})
      on conflict (server_id) do update set rx_bytes = excluded.rx_bytes, tx_bytes = excluded.tx_bytes, read_at = excluded.read_at`.execute(
      tx,
    );
  }

  // ── Grants, alerts, caps ─────────────────────────────────────────────────────────────────────────

  /** Grants that can spend: active or expiring, already started. */
  async liveGrants(db: Executor) {
    const rows = await sql<{
      id: string;
      program_id: string;
      project_id: string;
      monthly_credit_cents: string;
      state: string;
      starts_on: string;
      ends_on: string | null;
      policy: unknown;
      program_slug: string;
      project_slug: string;
      project_name: string;
    }>`
      select g.id, g.program_id, g.project_id, g.monthly_credit_cents::text, g.state, g.starts_on, g.ends_on, pr.policy,
        pr.slug::text as program_slug, p.slug::text as project_slug, p.name as project_name
      from grants g join programs pr on pr.id = g.program_id join projects p on p.id = g.project_id
      where g.state in ('active', 'expiring') and g.starts_on <= current_date`.execute(db);
    return rows.rows;
  }

  async grantById(db: Executor, grantId: string) {
    const rows = await sql<{
      id: string;
      program_id: string;
      project_id: string;
      monthly_credit_cents: string;
      state: string;
      starts_on: string;
      ends_on: string | null;
      ended_at: Date | null;
      created_at: Date;
      currency: string;
    }>`
      select g.id, g.program_id, g.project_id, g.monthly_credit_cents::text, g.state, g.starts_on, g.ends_on, g.ended_at, g.created_at,
        pr.currency
      from grants g join programs pr on pr.id = g.program_id where g.id = ${grantId}`.execute(db);
    return rows.rows[0];
  }

  async projectGrants(db: Executor, projectId: string) {
    const rows = await sql<{
      id: string;
      program_id: string;
      program_slug: string;
      monthly_credit_cents: string;
      state: string;
      starts_on: string;
      ends_on: string | null;
      currency: string;
    }>`
      select g.id, g.program_id, pr.slug::text as program_slug, g.monthly_credit_cents::text, g.state, g.starts_on,
        coalesce(g.ends_on, g.review_on) as ends_on, pr.currency
      from grants g join programs pr on pr.id = g.program_id
      where g.project_id = ${projectId} and g.state in ('active', 'expiring')
      order by g.starts_on`.execute(db);
    return rows.rows;
  }

  /**
   * Records alerts, sent at the job's clock (the over-cap notice is measured from it); returns only
   * the thresholds this call recorded (the others went out before).
   */
  async recordAlerts(
    tx: Executor,
    grantId: string,
    month: string,
    thresholds: number[],
    spentCents: number,
    creditCents: number,
    sentAt: Date,
  ) {
    if (thresholds.length === 0) return [];
    const rows = await sql<{ threshold_percent: number }>`
      insert into grant_usage_alerts (grant_id, month, threshold_percent, spent_cents, credit_cents, sent_at)
      select ${grantId}, ${month}::date, t, ${spentCents}, ${creditCents}, ${sentAt} from unnest(${thresholds}::integer[]) as t
      on conflict do nothing
      returning threshold_percent`.execute(tx);
    return rows.rows.map((row) => row.threshold_percent).sort((a, b) => a - b);
  }

  async alertsOf(db: Executor, grantIds: string[], month: string | null) {
    if (grantIds.length === 0) return [];
    const rows = await sql<{ grant_id: string; month: string; threshold_percent: number; sent_at: Date }>`
      select grant_id, to_char(month, 'YYYY-MM-DD') as month, threshold_percent, sent_at from grant_usage_alerts
      where grant_id = any(${grantIds}::uuid[]) ${month ? sql`and month = ${month}::date` : sql``}
      order by month, threshold_percent`.execute(db);
    return rows.rows;
  }

  /** Running servers of a grant (what the power-off policy turns off). */
  async activeServersOfGrant(db: Executor, grantId: string) {
    const rows = await sql<{ id: string; hostname: string }>`
      select id, hostname from servers where grant_id = ${grantId} and state = 'active' order by hostname`.execute(db);
    return rows.rows;
  }

  async recordCapAction(db: Executor, grantId: string, month: string, serverId: string) {
    await sql`insert into grant_cap_actions (grant_id, month, server_id) values (${grantId}, ${month}::date, ${serverId})`.execute(db);
  }

  // ── Idle servers ─────────────────────────────────────────────────────────────────────────────────

  /**
   * Active servers whose last sign of use (becoming active, a heartbeat, an SSH session, a day
   * with traffic) is older than their program's idle days (7 without a program).
   */
  async idleCandidates(db: Executor, now: Date) {
    const rows = await sql<{
      id: string;
      hostname: string;
      project_id: string;
      project_slug: string;
      project_name: string;
      grant_id: string | null;
      program_id: string | null;
      program_slug: string | null;
      program_currency: string | null;
      plan_slug: string;
      metro_code: string;
      price_cents_per_hour: number;
      last_activity_at: Date;
      idle_days: number;
      last_heartbeat_at: Date | null;
      last_ssh_session_at: Date | null;
      last_traffic_on: string | null;
    }>`
      with base as (
        select s.id, s.hostname, s.project_id, p.slug::text as project_slug, p.name as project_name, s.grant_id, g.program_id,
          pr.slug::text as program_slug, pr.currency as program_currency, s.plan_slug, s.metro_code, pl.price_cents_per_hour, s.last_heartbeat_at, s.last_ssh_session_at,
          (select max(e.occurred_at) from server_events e where e.server_id = s.id and e.to_state = 'active' and e.from_state is distinct from 'active') as active_since,
          (select max(t.day) from traffic_daily t where t.server_id = s.id and (t.bytes_in > 0 or t.bytes_out > 0)) as last_traffic_day,
          coalesce((pr.policy #>> '{metering,idle_days}')::integer, 7) as idle_days
        from servers s
        join projects p on p.id = s.project_id
        join plans pl on pl.slug = s.plan_slug
        left join grants g on g.id = s.grant_id
        left join programs pr on pr.id = g.program_id
        where s.state = 'active'
      )
      select id, hostname, project_id, project_slug, project_name, grant_id, program_id, program_slug, program_currency, plan_slug, metro_code, price_cents_per_hour,
        last_heartbeat_at, last_ssh_session_at, idle_days, to_char(last_traffic_day, 'YYYY-MM-DD') as last_traffic_on, last_activity_at
      from (
        select *, greatest(coalesce(active_since, '-infinity'), coalesce(last_heartbeat_at, '-infinity'),
          coalesce(last_ssh_session_at, '-infinity'), coalesce((last_traffic_day + 1)::timestamp at time zone 'UTC', '-infinity')) as last_activity_at
        from base
      ) activity
      where last_activity_at < ${now}::timestamptz - make_interval(days => idle_days)
      order by last_activity_at, id`.execute(db);
    return rows.rows;
  }

  async flaggedIdle(db: Executor) {
    const rows = await sql<{ server_id: string; idle_since: Date; flagged_at: Date; nudged_at: Date | null }>`
      select server_id, idle_since, flagged_at, nudged_at from idle_servers`.execute(db);
    return rows.rows;
  }

  async flagIdle(tx: Executor, serverId: string, idleSince: Date): Promise<void> {
    await sql`
      insert into idle_servers (server_id, idle_since) values (${serverId}, ${idleSince})
      on conflict (server_id) do update set idle_since = excluded.idle_since`.execute(tx);
  }

  async markNudged(tx: Executor, serverId: string): Promise<boolean> {
    const rows =
      await sql`update idle_servers set nudged_at = now() where server_id = ${serverId} and nudged_at is null returning server_id`.execute(
        tx,
      );
    return rows.rows.length > 0;
  }

  async unflagIdle(db: Executor, keepIds: string[]) {
    await sql`delete from idle_servers where not (server_id = any(${keepIds}::uuid[]))`.execute(db);
  }

  async idleFlagsOfProject(db: Executor, projectId: string) {
    const rows = await sql<{ server_id: string; hostname: string; idle_since: Date; flagged_at: Date }>`
      select i.server_id, s.hostname, i.idle_since, i.flagged_at from idle_servers i join servers s on s.id = i.server_id
      where s.project_id = ${projectId} and s.state = 'active' order by s.hostname`.execute(db);
    return rows.rows;
  }
}

/** Rows of usage_server_months being written, as arrays for one `unnest` insert. */
class MonthRows {
  private readonly columns = {
    server: [] as string[],
    month: [] as string[],
    project: [] as string[],
    grant: [] as (string | null)[],
    program: [] as (string | null)[],
    plan: [] as string[],
    metro: [] as string[],
    allocated: [] as number[],
    poweredOn: [] as number[],
  };

  add(
    server: {
      server_id?: string;
      id?: string;
      project_id: string;
      grant_id: string | null;
      program_id: string | null;
      plan_slug: string;
      metro_code: string;
    },
    months: ServerMonth[],
  ) {
    for (const month of months) {
      this.columns.server.push((server.server_id ?? server.id) as string);
      this.columns.month.push(month.month);
      this.columns.project.push(server.project_id);
      this.columns.grant.push(server.grant_id);
      this.columns.program.push(server.program_id);
      this.columns.plan.push(server.plan_slug);
      this.columns.metro.push(server.metro_code);
      this.columns.allocated.push(month.allocatedS);
      this.columns.poweredOn.push(month.poweredOnS);
    }
  }

  async insert(tx: Executor) {
    const c = this.columns;
    if (c.server.length === 0) return;
    await sql`
      insert into usage_server_months (server_id, month, project_id, grant_id, program_id, plan_slug, metro_code, allocated_s, powered_on_s)
      select * from unnest(${c.server}::uuid[], ${c.month}::date[], ${c.project}::uuid[], ${c.grant}::uuid[], ${c.program}::uuid[],
        ${c.plan}::text[], ${c.metro}::text[], ${c.allocated}::bigint[], ${c.poweredOn}::bigint[])
      on conflict (server_id, month) do update set allocated_s = excluded.allocated_s, powered_on_s = excluded.powered_on_s`.execute(tx);
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value: string): boolean {
  return UUID.test(value);
}

/** Segments as stored: `start:end:on,…` in epoch seconds, end empty while open. */
export function packSegments(segments: readonly Segment[]): string {
  return segments.map((segment) => `${segment.startS}:${segment.endS ?? ''}:${segment.isPoweredOn ? 1 : 0}`).join(',');
}

export function unpackSegments(packed: string): Segment[] {
  return packed.split(',').map((part) => {
    const [start, end, on] = part.split(':') as [string, string, string];
    return { startS: Number(start), endS: end === '' ? null : Number(end), isPoweredOn: on === '1' };
  });
}
