import { sql } from 'kysely';
import type { Executor } from '../db/database.ts';
import type { UpstreamKind, UpstreamRef } from './insight.scoring.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// Rows per INSERT: well under PostgreSQL's 65,535 parameters with ten columns a row.
const CHUNK = 1000;

export type ProductRow = Awaited<ReturnType<InsightRepository['findProduct']>> & {};
export type UploadRow = Awaited<ReturnType<InsightRepository['listUploads']>>[number];
export type NewUpload = {
  product_id: string;
  file_name: string;
  companion_name: string | null;
  format: string;
  format_version: string | null;
  size_bytes: number;
  sha256: string;
  packages_count: number;
  direct_count: number | null;
  depth_histogram: number[];
  notes: string[];
  graph_gz: Buffer;
  uploaded_by: string;
};
export type NewUpstream = { key: string; kind: UpstreamKind; repository: string | null; owner: string | null; name: string };
export type NewProjectUse = {
  upstream_project_id: string;
  packages: number;
  direct: number;
  min_depth: number;
  paths: number;
  is_dev_only: boolean;
  score: number;
  purls: string[];
  funding: string[];
};
export type UseRow = Awaited<ReturnType<InsightRepository['usesOf']>>[number];
export type SignalRow = { repository: string; criticality_score: number | null; dependents_count: number | null };

/** Upload columns without the stored graph, which only the path drill-down reads. */
const UPLOAD_COLUMNS = [
  'product_uploads.id',
  'product_uploads.product_id',
  'product_uploads.file_name',
  'product_uploads.companion_name',
  'product_uploads.format',
  'product_uploads.format_version',
  'product_uploads.size_bytes',
  'product_uploads.sha256',
  'product_uploads.packages_count',
  'product_uploads.direct_count',
  'product_uploads.depth_histogram',
  'product_uploads.notes',
  'product_uploads.uploaded_at',
] as const;

export class InsightRepository {
  // --- products ------------------------------------------------------------------------------------

  findProduct(db: Executor, key: string) {
    const query = db.selectFrom('products').selectAll();
    return (UUID.test(key) ? query.where('id', '=', key) : query.where('slug', '=', key)).executeTakeFirst();
  }

  listProducts(db: Executor) {
    return db.selectFrom('products').selectAll().orderBy('name').orderBy('id').execute();
  }

  async insertProduct(db: Executor, product: { slug: string; name: string; description: string; created_by: string }) {
    const row = await db.insertInto('products').values(product).returning('id').executeTakeFirstOrThrow();
    return row.id;
  }

  async updateProduct(db: Executor, id: string, fields: { slug?: string; name?: string; description?: string }) {
    await db
      .updateTable('products')
      .set({ ...fields, updated_at: sql<Date>`now()` })
      .where('id', '=', id)
      .execute();
  }

  async deleteProduct(db: Executor, id: string) {
    await db.deleteFrom('products').where('id', '=', id).execute();
  }

  // --- uploads -------------------------------------------------------------------------------------

  async insertUpload(db: Executor, upload: NewUpload) {
    const row = await db.insertInto('product_uploads').values(upload).returning(['id', 'uploaded_at']).executeTakeFirstOrThrow();
    return row;
  }

  async insertUses(db: Executor, uploadId: string, uses: NewProjectUse[]) {
    for (let i = 0; i < uses.length; i += CHUNK) {
      await db
        .insertInto('upload_upstream_projects')
        .values(uses.slice(i, i + CHUNK).map((use) => ({ ...use, upload_id: uploadId })))
        .execute();
    }
  }

  /** A product's uploads, newest first. */
  listUploads(db: Executor, productId: string) {
    return db
      .selectFrom('product_uploads')
      .leftJoin('users', 'users.id', 'product_uploads.uploaded_by')
      .select(UPLOAD_COLUMNS)
      .select(['users.id as uploader_id', 'users.name as uploader_name'])
      .where('product_uploads.product_id', '=', productId)
      .orderBy('product_uploads.uploaded_at', 'desc')
      .orderBy('product_uploads.id', 'desc')
      .execute();
  }

  /** Each product's newest upload (products without one are left out). */
  latestUploads(db: Executor, productIds?: string[]) {
    let query = db
      .selectFrom('product_uploads')
      .leftJoin('users', 'users.id', 'product_uploads.uploaded_by')
      .select(UPLOAD_COLUMNS)
      .select(['users.id as uploader_id', 'users.name as uploader_name'])
      .distinctOn('product_uploads.product_id')
      .orderBy('product_uploads.product_id')
      .orderBy('product_uploads.uploaded_at', 'desc')
      .orderBy('product_uploads.id', 'desc');
    if (productIds) {
      if (productIds.length === 0) return Promise.resolve([]);
      query = query.where('product_uploads.product_id', 'in', productIds);
    }
    return query.execute();
  }

  async countUploads(db: Executor): Promise<Map<string, number>> {
    const rows = await db
      .selectFrom('product_uploads')
      .select(['product_id', (eb) => eb.fn.countAll<string>().as('n')])
      .groupBy('product_id')
      .execute();
    return new Map(rows.map((row) => [row.product_id, Number(row.n)]));
  }

  /** How many upstream projects each upload depends on. */
  async countUses(db: Executor, uploadIds: string[]): Promise<Map<string, number>> {
    if (uploadIds.length === 0) return new Map();
    const rows = await db
      .selectFrom('upload_upstream_projects')
      .select(['upload_id', (eb) => eb.fn.countAll<string>().as('n')])
      .where('upload_id', 'in', uploadIds)
      .groupBy('upload_id')
      .execute();
    return new Map(rows.map((row) => [row.upload_id, Number(row.n)]));
  }

  /** The newest uploads of all products (for coverage over time), oldest first. */
  async recentUploads(db: Executor, limit: number) {
    const rows = await db
      .selectFrom('product_uploads')
      .select(['id', 'product_id', 'uploaded_at'])
      .orderBy('uploaded_at', 'desc')
      .orderBy('id', 'desc')
      .limit(limit)
      .execute();
    return rows.reverse();
  }

  async graphOf(db: Executor, uploadId: string): Promise<Buffer | undefined> {
    const row = await db.selectFrom('product_uploads').select('graph_gz').where('id', '=', uploadId).executeTakeFirst();
    return row?.graph_gz;
  }

  /** The upstream projects the given uploads depend on, one row per upload and project. */
  usesOf(db: Executor, uploadIds: string[]) {
    if (uploadIds.length === 0) return Promise.resolve([]);
    return db
      .selectFrom('upload_upstream_projects as u')
      .innerJoin('upstream_projects as p', 'p.id', 'u.upstream_project_id')
      .innerJoin('product_uploads as up', 'up.id', 'u.upload_id')
      .select([
        'u.upload_id',
        'up.product_id',
        'u.packages',
        'u.direct',
        'u.min_depth',
        'u.paths',
        'u.is_dev_only',
        'u.score',
        'u.purls',
        'u.funding',
        'p.id',
        'p.key',
        'p.kind',
        'p.repository',
        'p.owner',
        'p.name',
      ])
      .where('u.upload_id', 'in', uploadIds)
      .execute();
  }

  // --- upstream projects, overrides, signals, invitations ------------------------------------------

  /** Ids for these keys, creating the ones not seen before (concurrent uploads may race: first one wins). */
  async upstreamIds(db: Executor, projects: NewUpstream[]): Promise<Map<string, string>> {
    const ids = new Map<string, string>();
    for (let i = 0; i < projects.length; i += CHUNK) {
      const chunk = projects.slice(i, i + CHUNK);
      await db
        .insertInto('upstream_projects')
        .values(chunk)
        .onConflict((oc) => oc.column('key').doNothing())
        .execute();
      const rows = await db
        .selectFrom('upstream_projects')
        .select(['id', 'key'])
        .where(
          'key',
          'in',
          chunk.map((p) => p.key),
        )
        .execute();
      for (const row of rows) ids.set(row.key, row.id);
    }
    return ids;
  }

  findUpstream(db: Executor, id: string): Promise<UpstreamRef | undefined> {
    return db
      .selectFrom('upstream_projects')
      .select(['id', 'key', 'kind', 'repository', 'owner', 'name'])
      .where('id', '=', id)
      .executeTakeFirst();
  }

  async groupId(db: Executor, key: string, name: string): Promise<string> {
    await db
      .insertInto('upstream_projects')
      .values({ key, kind: 'group', repository: null, owner: null, name })
      .onConflict((oc) => oc.column('key').doUpdateSet({ name }))
      .execute();
    const row = await db.selectFrom('upstream_projects').select('id').where('key', '=', key).executeTakeFirstOrThrow();
    return row.id;
  }

  listOverrides(db: Executor) {
    return db
      .selectFrom('upstream_overrides as o')
      .innerJoin('upstream_projects as g', 'g.id', 'o.group_id')
      .leftJoin('users', 'users.id', 'o.created_by')
      .select([
        'o.id',
        'o.match_kind',
        'o.match',
        'o.created_at',
        'g.id as group_id',
        'g.key as group_key',
        'g.kind as group_kind',
        'g.name as group_name',
        'users.name as created_by_name',
      ])
      .orderBy('g.name')
      .orderBy('o.match')
      .execute();
  }

  async insertOverride(
    db: Executor,
    override: { match_kind: 'repository' | 'owner'; match: string; group_id: string; created_by: string },
  ) {
    const row = await db
      .insertInto('upstream_overrides')
      .values(override)
      .onConflict((oc) => oc.columns(['match_kind', 'match']).doUpdateSet({ group_id: override.group_id, created_by: override.created_by }))
      .returning('id')
      .executeTakeFirstOrThrow();
    return row.id;
  }

  async deleteOverride(db: Executor, id: string) {
    return db.deleteFrom('upstream_overrides').where('id', '=', id).returning(['id', 'match_kind', 'match']).executeTakeFirst();
  }

  /** Groups nothing points at any more go with their last override, unless an invitation remembers them. */
  async deleteUnusedGroups(db: Executor) {
    await db
      .deleteFrom('upstream_projects')
      .where('kind', '=', 'group')
      .where((eb) =>
        eb.and([
          eb.not(
            eb.exists(
              eb.selectFrom('upstream_overrides').select('id').whereRef('upstream_overrides.group_id', '=', 'upstream_projects.id'),
            ),
          ),
          eb.not(
            eb.exists(
              eb
                .selectFrom('upstream_invitations')
                .select('id')
                .whereRef('upstream_invitations.upstream_project_id', '=', 'upstream_projects.id'),
            ),
          ),
        ]),
      )
      .execute();
  }

  async signals(db: Executor, repositories: string[]): Promise<SignalRow[]> {
    if (repositories.length === 0) return [];
    const rows = await db
      .selectFrom('upstream_signals')
      .select(['repository', 'criticality_score', 'dependents_count'])
      .where('repository', '=', sql<string>`any(${repositories}::text[])`)
      .execute();
    return rows.map((row) => ({ ...row, dependents_count: row.dependents_count === null ? null : Number(row.dependents_count) }));
  }

  async upsertSignals(db: Executor, rows: SignalRow[], source: string) {
    for (let i = 0; i < rows.length; i += CHUNK) {
      const chunk = rows.slice(i, i + CHUNK);
      await db
        .insertInto('upstream_signals')
        .values(chunk.map((row) => ({ ...row, source })))
        .onConflict((oc) =>
          oc.column('repository').doUpdateSet((eb) => ({
            // A file that gives only one of the two keeps the other from an earlier import.
            criticality_score: sql`coalesce(${eb.ref('excluded.criticality_score')}, upstream_signals.criticality_score)`,
            dependents_count: sql`coalesce(${eb.ref('excluded.dependents_count')}, upstream_signals.dependents_count)`,
            source,
            imported_at: sql`now()`,
          })),
        )
        .execute();
    }
  }

  async insertInvitation(
    db: Executor,
    invitation: {
      upstream_project_id: string;
      channel: 'email' | 'github_issue';
      email: string | null;
      repository: string | null;
      invited_by: string;
    },
  ) {
    const row = await db.insertInto('upstream_invitations').values(invitation).returning(['id', 'created_at']).executeTakeFirstOrThrow();
    return row;
  }

  /** Invitations of these upstream projects, newest first. */
  invitationsOf(db: Executor, upstreamIds: string[]) {
    if (upstreamIds.length === 0) return Promise.resolve([]);
    return db
      .selectFrom('upstream_invitations as i')
      .leftJoin('users', 'users.id', 'i.invited_by')
      .select(['i.id', 'i.upstream_project_id', 'i.channel', 'i.email', 'i.repository', 'i.created_at', 'users.name as invited_by_name'])
      .where('i.upstream_project_id', 'in', upstreamIds)
      .orderBy('i.created_at', 'desc')
      .execute();
  }

  // --- what the rest of Surplus knows: projects, grants, programs, staff -----------------------------

  /** Every Surplus project's repository and whether a grant supports it now. */
  surplusProjects(db: Executor) {
    return db
      .selectFrom('projects')
      .select([
        'id',
        'slug',
        'name',
        'repository_host',
        'repository_owner',
        'repository_name',
        (eb) =>
          eb
            .exists(
              eb
                .selectFrom('grants')
                .select('grants.id')
                .whereRef('grants.project_id', '=', 'projects.id')
                .where('grants.state', 'in', ['active', 'expiring']),
            )
            .as('is_supported'),
      ])
      .execute();
  }

  /** When each grant ran: from its creation to its end (null while it runs). */
  grantSpans(db: Executor, projectIds: string[]) {
    if (projectIds.length === 0) return Promise.resolve([]);
    return db
      .selectFrom('grants')
      .select(['project_id', 'created_at', 'ended_at', 'state'])
      .where('project_id', 'in', projectIds)
      .execute();
  }

  async isProgramLead(db: Executor, userId: string): Promise<boolean> {
    const row = await db
      .selectFrom('program_staff')
      .select('user_id')
      .where('user_id', '=', userId)
      .where('role', '=', 'lead')
      .executeTakeFirst();
    return row !== undefined;
  }

  /** The program named (id or slug), or the oldest public one. */
  program(db: Executor, key: string | null) {
    const query = db.selectFrom('programs').select(['id', 'slug', 'name', 'github_repository']);
    if (key) return (UUID.test(key) ? query.where('id', '=', key) : query.where('slug', '=', key)).executeTakeFirst();
    return query.where('is_public', '=', true).orderBy('created_at').orderBy('id').limit(1).executeTakeFirst();
  }

  findSurplusProject(db: Executor, key: string) {
    const query = db.selectFrom('projects').select(['id', 'slug', 'name', 'repository_host', 'repository_owner', 'repository_name']);
    return (UUID.test(key) ? query.where('id', '=', key) : query.where('slug', '=', key)).executeTakeFirst();
  }
}
