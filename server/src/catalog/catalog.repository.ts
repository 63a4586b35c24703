import { sql } from 'kysely';
import type { Executor } from '../db/database.ts';

export type PlanFields = {
  name: string;
  description: string;
  architecture: 'x86_64' | 'aarch64';
  cpu_model: string;
  cpu_cores: number;
  memory_gb: number;
  storage_summary: string;
  storage_gb: number;
  nics_summary: string;
  gpu_summary: string | null;
  price_cents_per_hour: number;
  is_available: boolean;
};

export class CatalogRepository {
  listPlans(db: Executor) {
    return db.selectFrom('plans').selectAll().orderBy('price_cents_per_hour').orderBy('slug').execute();
  }

  listMetros(db: Executor) {
    return db.selectFrom('metros').selectAll().orderBy('code').execute();
  }

  listOperatingSystems(db: Executor) {
    return db.selectFrom('operating_systems').selectAll().orderBy('slug').execute();
  }

  findPlan(db: Executor, slug: string) {
    return db.selectFrom('plans').selectAll().where('slug', '=', slug).executeTakeFirst();
  }

  findOperatingSystem(db: Executor, slug: string) {
    return db.selectFrom('operating_systems').selectAll().where('slug', '=', slug).executeTakeFirst();
  }

  upsertPlan(db: Executor, slug: string, plan: PlanFields) {
    return db
      .insertInto('plans')
      .values({ slug, ...plan })
      .onConflict((oc) => oc.column('slug').doUpdateSet({ ...plan, updated_at: sql`now()` }))
      .returningAll()
      .executeTakeFirstOrThrow();
  }

  upsertMetro(db: Executor, code: string, metro: { name: string; country: string; is_available: boolean }) {
    return db
      .insertInto('metros')
      .values({ code, ...metro })
      .onConflict((oc) => oc.column('code').doUpdateSet(metro))
      .returningAll()
      .executeTakeFirstOrThrow();
  }

  upsertOperatingSystem(
    db: Executor,
    slug: string,
    os: {
      name: string;
      distro: string;
      version: string;
      architectures: string[];
      deprecated_on: string | null;
      end_of_life_on: string | null;
      artifacts: Record<string, unknown>;
    },
  ) {
    const values = { ...os, artifacts: JSON.stringify(os.artifacts) };
    return db
      .insertInto('operating_systems')
      .values({ slug, ...values })
      .onConflict((oc) => oc.column('slug').doUpdateSet({ ...values, updated_at: sql`now()` }))
      .returningAll()
      .executeTakeFirstOrThrow();
  }
}
