import { sql } from 'kysely';
import type { Executor } from '../db/database.ts';

// "Supported" means a grant that still runs (active or expiring) from a program the public may see.
const SUPPORTING_STATES = ['active', 'expiring'] as const;

export class DirectoryRepository {
  /** Listed projects with support, newest first; the keyset compares the cursor row's own timestamp, as in ProjectsRepository. */
  listed(db: Executor, options: { after?: { at: Date; id: string }; limit: number }) {
    let query = db
      .selectFrom('projects')
      .selectAll()
      .where('is_listed', '=', true)
      .where(({ exists, selectFrom }) =>
        exists(
          selectFrom('grants')
            .innerJoin('programs', 'programs.id', 'grants.program_id')
            .select('grants.id')
            .whereRef('grants.project_id', '=', 'projects.id')
            .where('grants.state', 'in', SUPPORTING_STATES)
            .where('programs.is_public', '=', true),
        ),
      );
    const after = options.after;
    if (after) {
      query = query.where(
        sql<boolean>`(projects.created_at, projects.id) < (
          coalesce((select c.created_at from projects c where c.id = ${after.id}::uuid), ${after.at}::timestamptz),
          ${after.id}::uuid
        )`,
      );
    }
    return query
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(options.limit + 1)
      .execute();
  }

  supportingPrograms(db: Executor, projectIds: string[]) {
    if (projectIds.length === 0) return Promise.resolve([]);
    return db
      .selectFrom('grants')
      .innerJoin('programs', 'programs.id', 'grants.program_id')
      .select(['grants.project_id', 'programs.slug', 'programs.name', (eb) => eb.fn.min<string>('grants.starts_on').as('since')])
      .where('grants.project_id', 'in', projectIds)
      .where('grants.state', 'in', SUPPORTING_STATES)
      .where('programs.is_public', '=', true)
      .groupBy(['grants.project_id', 'programs.slug', 'programs.name'])
      .orderBy('programs.name')
      .execute();
  }

  async isListed(db: Executor, projectId: string): Promise<boolean> {
    const row = await db.selectFrom('projects').select('is_listed').where('id', '=', projectId).executeTakeFirstOrThrow();
    return row.is_listed;
  }

  async setListed(db: Executor, projectId: string, isListed: boolean) {
    await db.updateTable('projects').set({ is_listed: isListed, updated_at: sql`now()` }).where('id', '=', projectId).execute();
  }
}
