import { sql } from 'kysely';
import type { Executor } from '../db/database.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export type ProgramFields = {
  slug: string;
  name: string;
  description_md: string;
  currency: string;
  budget_cents_per_year: number;
  fiscal_year_start_month: number;
  policy: string;
  github_repository: string | null;
  github_secret_encrypted: Buffer | null;
  is_public: boolean;
};

export class ProgramsRepository {
  findByKey(db: Executor, key: string) {
    const query = db.selectFrom('programs').selectAll();
    return (UUID.test(key) ? query.where('id', '=', key) : query.where('slug', '=', key)).executeTakeFirst();
  }

  findByGithubRepository(db: Executor, repository: string) {
    return db.selectFrom('programs').selectAll().where('github_repository', '=', repository).executeTakeFirst();
  }

  list(db: Executor, options: { isPublicOnly: boolean }) {
    let query = db.selectFrom('programs').selectAll();
    if (options.isPublicOnly) query = query.where('is_public', '=', true);
    return query.orderBy('name').execute();
  }

  insert(db: Executor, program: ProgramFields) {
    return db.insertInto('programs').values(program).returningAll().executeTakeFirstOrThrow();
  }

  update(db: Executor, id: string, patch: Partial<ProgramFields>) {
    return db
      .updateTable('programs')
      .set({ ...patch, updated_at: sql`now()` })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow();
  }

  lock(db: Executor, id: string) {
    return db.selectFrom('programs').selectAll().where('id', '=', id).forUpdate().executeTakeFirstOrThrow();
  }

  listStaff(db: Executor, programIds: string[]) {
    if (programIds.length === 0) return Promise.resolve([]);
    return db
      .selectFrom('program_staff')
      .innerJoin('users', 'users.id', 'program_staff.user_id')
      .select(['program_staff.program_id', 'program_staff.role', 'users.id', 'users.name', 'users.email'])
      .where('program_staff.program_id', 'in', programIds)
      .orderBy('users.name')
      .execute();
  }

  async setStaff(db: Executor, programId: string, userId: string, role: 'lead' | 'reviewer') {
    await db
      .insertInto('program_staff')
      .values({ program_id: programId, user_id: userId, role })
      .onConflict((oc) => oc.columns(['program_id', 'user_id']).doUpdateSet({ role }))
      .execute();
  }

  removeStaff(db: Executor, programId: string, userId: string) {
    return db
      .deleteFrom('program_staff')
      .where('program_id', '=', programId)
      .where('user_id', '=', userId)
      .returning('user_id')
      .executeTakeFirst();
  }

  staffRole(db: Executor, programId: string, userId: string) {
    return db
      .selectFrom('program_staff')
      .select('role')
      .where('program_id', '=', programId)
      .where('user_id', '=', userId)
      .executeTakeFirst()
      .then((row) => row?.role ?? null);
  }

  /** Grants that still commit budget: active or expiring. */
  committingGrants(db: Executor, programId: string) {
    return db
      .selectFrom('grants')
      .select(['monthly_credit_cents', 'starts_on', 'ends_on', 'review_on'])
      .where('program_id', '=', programId)
      .where('state', 'in', ['active', 'expiring'])
      .execute();
  }
}
