import { sql } from 'kysely';
import type { Executor } from '../db/database.ts';

export type ReportGrant = {
  id: string;
  project_id: string;
  project_slug: string;
  project_name: string;
  purpose: string | null;
  monthly_credit_cents: string;
  starts_on: string;
  /** The last day it could spend: ended early, else its end, else (ongoing) its review date. */
  last_day: string | null;
  state: string;
};

export type FleetMonth = { month: string; allocated_s: number; available_s: number; other_s: number; machines: number };

export type Percentiles = { month: string; count: number; median: number | null; p90: number | null };

/** Month starts and ends as arrays, for `unnest`: [start, end) per month, UTC. */
export type MonthBounds = { starts: string[]; ends: string[] };

export class ReportsRepository {
  async programGrants(db: Executor, programId: string, from: string, to: string): Promise<ReportGrant[]> {
    const rows = await sql<ReportGrant>`
      select g.id, g.project_id, p.slug::text as project_slug, p.name as project_name, r.purpose, g.monthly_credit_cents::text,
        g.starts_on, least(g.ended_at::date, coalesce(g.ends_on, g.review_on)) as last_day, g.state
      from grants g
      join projects p on p.id = g.project_id
      join requests r on r.id = g.request_id
      where g.program_id = ${programId} and g.starts_on <= ${to}::date
        and (least(g.ended_at::date, coalesce(g.ends_on, g.review_on)) is null or least(g.ended_at::date, coalesce(g.ends_on, g.review_on)) >= ${from}::date)`.execute(
      db,
    );
    return rows.rows;
  }

  /**
   * Machine-seconds per month in each state, fleet-wide, from machine_events: each event's state
   * lasts until the machine's next event (or now). Closed months are kept in fleet_months once
   * computed (an event dropped them again); only the others are computed here.
   */
  async fleetByMonth(db: Executor, months: MonthBounds, now: Date): Promise<FleetMonth[]> {
    // Closed: ended before now, and before the real now (tests ask about other days).
    const closedBy = Math.min(now.getTime(), Date.now());
    const isClosed = months.ends.map((end, i) => Date.parse(end) <= closedBy && Date.parse(end) > Date.parse(months.starts[i] as string));
    const closed = months.starts.filter((_, i) => isClosed[i]).map((start) => start.slice(0, 10));
    const kept = new Map<string, FleetMonth>();
    if (closed.length > 0) {
      const rows = await sql<FleetMonth>`
        select to_char(month, 'YYYY-MM-DD') as month, allocated_s, available_s, other_s, machines from fleet_months
        where month = any(${closed}::date[])`.execute(db);
      for (const row of rows.rows) kept.set(row.month, row);
    }
    const missing = months.starts
      .map((start, i) => ({ start, end: months.ends[i] as string }))
      .filter(({ start }) => !kept.has(start.slice(0, 10)));
    const computed =
      missing.length === 0
        ? []
        : await this.computeFleetMonths(db, { starts: missing.map((m) => m.start), ends: missing.map((m) => m.end) }, now);
    const toKeep = computed.filter((row) => closed.includes(row.month));
    if (toKeep.length > 0) {
      await sql`
        insert into fleet_months (month, allocated_s, available_s, other_s, machines)
        select * from unnest(${toKeep.map((r) => r.month)}::date[], ${toKeep.map((r) => r.allocated_s)}::float8[],
          ${toKeep.map((r) => r.available_s)}::float8[], ${toKeep.map((r) => r.other_s)}::float8[], ${toKeep.map((r) => r.machines)}::integer[])
        on conflict (month) do nothing`.execute(db);
    }
    return [...kept.values(), ...computed].sort((a, b) => a.month.localeCompare(b.month));
  }

  private async computeFleetMonths(db: Executor, months: MonthBounds, now: Date): Promise<FleetMonth[]> {
    const rows = await sql<FleetMonth>`
      with spans as (
        select machine_id, to_state, occurred_at as from_at,
          coalesce(lead(occurred_at) over (partition by machine_id order by occurred_at, id), ${now}::timestamptz) as to_at
        from machine_events
      ), months as (
        select * from unnest(${months.starts}::timestamptz[], ${months.ends}::timestamptz[]) as m(starts_at, ends_at)
      )
      select to_char(m.starts_at at time zone 'UTC', 'YYYY-MM-DD') as month,
        coalesce(sum(extract(epoch from least(s.to_at, m.ends_at) - greatest(s.from_at, m.starts_at))) filter (where s.to_state = 'allocated'), 0)::float8 as allocated_s,
        coalesce(sum(extract(epoch from least(s.to_at, m.ends_at) - greatest(s.from_at, m.starts_at))) filter (where s.to_state = 'available'), 0)::float8 as available_s,
        coalesce(sum(extract(epoch from least(s.to_at, m.ends_at) - greatest(s.from_at, m.starts_at))) filter (where s.to_state not in ('allocated', 'available')), 0)::float8 as other_s,
        count(distinct s.machine_id)::integer as machines
      from months m
      left join spans s on s.from_at < m.ends_at and s.to_at > m.starts_at and s.to_at > s.from_at
      group by m.starts_at order by m.starts_at`.execute(db);
    return rows.rows;
  }

  /** Days from submission to decision of the program's decided requests, per month of decision, and over the range. */
  async reviewTurnaround(db: Executor, programId: string, from: Date, to: Date): Promise<Percentiles[]> {
    const rows = await sql<{ month: string | null; count: number; median: number | null; p90: number | null }>`
      select to_char(date_trunc('month', decided_at at time zone 'UTC'), 'YYYY-MM-DD') as month, count(*)::integer as count,
        percentile_cont(0.5) within group (order by extract(epoch from decided_at - submitted_at) / 86400.0) as median,
        percentile_cont(0.9) within group (order by extract(epoch from decided_at - submitted_at) / 86400.0) as p90
      from requests
      where program_id = ${programId} and state in ('approved', 'declined') and submitted_at is not null
        and decided_at >= ${from} and decided_at < ${to}
      group by grouping sets ((date_trunc('month', decided_at at time zone 'UTC')), ())
      order by 1 nulls last`.execute(db);
    return rows.rows.map((row) => ({ ...row, month: row.month ?? 'all' }));
  }

  /** Minutes from create to active of the program's servers, per month of creation, and over the range. */
  async timeToServer(db: Executor, programId: string, from: Date, to: Date): Promise<Percentiles[]> {
    const rows = await sql<{ month: string | null; count: number; median: number | null; p90: number | null }>`
      select to_char(date_trunc('month', s.created_at at time zone 'UTC'), 'YYYY-MM-DD') as month, count(*)::integer as count,
        percentile_cont(0.5) within group (order by extract(epoch from s.activated_at - s.created_at) / 60.0) as median,
        percentile_cont(0.9) within group (order by extract(epoch from s.activated_at - s.created_at) / 60.0) as p90
      from servers s join grants g on g.id = s.grant_id
      where g.program_id = ${programId} and s.activated_at is not null and s.created_at >= ${from} and s.created_at < ${to}
      group by grouping sets ((date_trunc('month', s.created_at at time zone 'UTC')), ())
      order by 1 nulls last`.execute(db);
    return rows.rows.map((row) => ({ ...row, month: row.month ?? 'all' }));
  }

  async publishedStories(db: Executor, programId: string, from: Date, to: Date) {
    const rows = await sql<{ id: string; title: string; published_at: Date; project_slug: string; project_name: string }>`
      select st.id, st.title, st.published_at, p.slug::text as project_slug, p.name as project_name
      from stories st join projects p on p.id = st.project_id
      where st.program_id = ${programId} and st.state = 'published' and st.published_at >= ${from} and st.published_at < ${to}
      order by st.published_at`.execute(db);
    return rows.rows;
  }
}
