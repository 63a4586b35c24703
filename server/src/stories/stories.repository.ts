import { sql } from 'kysely';
import type { Executor } from '../db/database.ts';

type StoryFields = {
  title: string;
  body_md: string;
  body_html: string;
  program_id: string | null;
};

export type StoryRow = Awaited<ReturnType<StoriesRepository['findById']>> & {};

function withRefs(db: Executor) {
  return db
    .selectFrom('stories')
    .innerJoin('projects', 'projects.id', 'stories.project_id')
    .leftJoin('programs', 'programs.id', 'stories.program_id')
    .leftJoin('users', 'users.id', 'stories.author_user_id')
    .selectAll('stories')
    .select([
      'projects.slug as project_slug',
      'projects.name as project_name',
      'programs.slug as program_slug',
      'programs.name as program_name',
      'programs.is_public as program_is_public',
      'users.name as author_name',
    ]);
}

type RefQuery = ReturnType<typeof withRefs>;

/** Rows after a keyset cursor, compared against the cursor row's own timestamp (microseconds), as in ProjectsRepository. */
function olderThan(column: 'created_at' | 'published_at', after: { at: Date; id: string }) {
  return sql<boolean>`(${sql.ref(`stories.${column}`)}, stories.id) < (
    coalesce((select c.${sql.ref(column)} from stories c where c.id = ${after.id}::uuid), ${after.at}::timestamptz),
    ${after.id}::uuid
  )`;
}

export class StoriesRepository {
  findById(db: Executor, id: string) {
    return withRefs(db).where('stories.id', '=', id).executeTakeFirst();
  }

  lock(db: Executor, id: string) {
    return db.selectFrom('stories').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
  }

  listForProject(db: Executor, projectId: string) {
    return withRefs(db)
      .where('stories.project_id', '=', projectId)
      .orderBy('stories.created_at', 'desc')
      .orderBy('stories.id', 'desc')
      .execute();
  }

  /** The staff queue (and other states), newest first. */
  listByState(db: Executor, options: { state: 'draft' | 'submitted' | 'published'; after?: { at: Date; id: string }; limit: number }) {
    let query: RefQuery = withRefs(db).where('stories.state', '=', options.state);
    if (options.after) query = query.where(olderThan('created_at', options.after));
    return query
      .orderBy('stories.created_at', 'desc')
      .orderBy('stories.id', 'desc')
      .limit(options.limit + 1)
      .execute();
  }

  listPublished(db: Executor, options: { projectIds?: string[]; after?: { at: Date; id: string }; limit?: number }) {
    let query: RefQuery = withRefs(db).where('stories.state', '=', 'published');
    if (options.projectIds) {
      if (options.projectIds.length === 0) return Promise.resolve([]);
      query = query.where('stories.project_id', 'in', options.projectIds);
    }
    if (options.after) query = query.where(olderThan('published_at', options.after));
    query = query.orderBy('stories.published_at', 'desc').orderBy('stories.id', 'desc');
    return (options.limit === undefined ? query : query.limit(options.limit + 1)).execute();
  }

  async insert(db: Executor, story: StoryFields & { project_id: string; author_user_id: string }) {
    const row = await db.insertInto('stories').values(story).returning('id').executeTakeFirstOrThrow();
    return row.id;
  }

  async update(
    db: Executor,
    id: string,
    patch: Partial<StoryFields> & {
      state?: 'draft' | 'submitted' | 'published';
      review_note?: string | null;
      submitted_at?: Date | null;
      published_at?: Date | null;
    },
  ) {
    await db
      .updateTable('stories')
      .set({ ...patch, updated_at: sql`now()` })
      .where('id', '=', id)
      .execute();
  }

  async hasGrant(db: Executor, programId: string, projectId: string): Promise<boolean> {
    const row = await db
      .selectFrom('grants')
      .select('id')
      .where('program_id', '=', programId)
      .where('project_id', '=', projectId)
      .executeTakeFirst();
    return row !== undefined;
  }
}
