import type { Selectable } from 'kysely';
import type { AuditService } from '../audit/audit.service.ts';
import { CachedValue } from '../db/cached-value.ts';
import type { Db } from '../db/database.ts';
import type { OperatingSystemsTable, PlansTable } from '../db/schema.ts';
import type { Ctx } from '../http/context.ts';
import type { CatalogRepository, PlanFields } from './catalog.repository.ts';
import type { Metro, OperatingSystem, Plan } from './catalog.schemas.ts';

/** Hours in an average month (8,760 / 12): the usual basis of monthly bare-metal estimates. */
export const HOURS_PER_MONTH = 730;

export type CatalogSnapshot = { plans: Map<string, Plan>; metros: Map<string, Metro>; operatingSystems: Map<string, OperatingSystem> };

/** PostgreSQL's channel for changes to the catalog's tables (migration 0068). */
export const CATALOG_CHANNEL = 'surplus_catalog';

type CatalogRows = [
  Awaited<ReturnType<CatalogRepository['listPlans']>>,
  Awaited<ReturnType<CatalogRepository['listMetros']>>,
  Awaited<ReturnType<CatalogRepository['listOperatingSystems']>>,
];

export class CatalogService {
  private readonly db: Db;
  private readonly catalog: CatalogRepository;
  private readonly audit: AuditService;

  /** The three tables' rows, kept until PostgreSQL announces a change (migration 0068). */
  readonly rows: CachedValue<CatalogRows>;

  constructor(db: Db, catalog: CatalogRepository, audit: AuditService, rows = new CachedValue<CatalogRows>(null, [])) {
    this.db = db;
    this.catalog = catalog;
    this.audit = audit;
    this.rows = rows;
  }

  async get(today = new Date()) {
    // Statuses (deprecated, end of life) depend on the day: worked out from the rows on every read.
    const [plans, metros, operatingSystems] = await this.rows.read(() =>
      Promise.all([this.catalog.listPlans(this.db), this.catalog.listMetros(this.db), this.catalog.listOperatingSystems(this.db)]),
    );
    return {
      plans: plans.map(toPlan),
      metros: metros.map((metro) => ({ code: metro.code, name: metro.name, country: metro.country, is_available: metro.is_available })),
      operating_systems: operatingSystems.map((os) => toOperatingSystem(os, today)),
    };
  }

  /**
   * One operating system, for what needs only that one (a machine's iPXE request, a power action):
   * one row read instead of the whole catalog's three tables.
   */
  async operatingSystem(slug: string, today = new Date()): Promise<OperatingSystem | undefined> {
    const row = await this.catalog.findOperatingSystem(this.db, slug);
    return row ? toOperatingSystem(row, today) : undefined;
  }

  /** The catalog keyed for lookups (request validation, estimates, intake matching). */
  async snapshot(): Promise<CatalogSnapshot> {
    const catalog = await this.get();
    return {
      plans: new Map(catalog.plans.map((plan) => [plan.slug, plan])),
      metros: new Map(catalog.metros.map((metro) => [metro.code, metro])),
      operatingSystems: new Map(catalog.operating_systems.map((os) => [os.slug, os])),
    };
  }

  async upsertPlan(ctx: Ctx, slug: string, plan: PlanFields): Promise<Plan> {
    return this.db.transaction().execute(async (tx) => {
      const before = await this.catalog.findPlan(tx, slug);
      const row = await this.catalog.upsertPlan(tx, slug, plan);
      await this.audit.record(tx, ctx, {
        action: before ? 'catalog.plan_updated' : 'catalog.plan_created',
        targetType: 'plan',
        targetId: slug,
        summary: before
          ? { price_cents_per_hour: { from: before.price_cents_per_hour, to: plan.price_cents_per_hour }, is_available: plan.is_available }
          : { ...plan },
      });
      return toPlan(row);
    });
  }

  async upsertMetro(ctx: Ctx, code: string, metro: { name: string; country: string; is_available: boolean }): Promise<Metro> {
    return this.db.transaction().execute(async (tx) => {
      const row = await this.catalog.upsertMetro(tx, code, metro);
      await this.audit.record(tx, ctx, { action: 'catalog.metro_saved', targetType: 'metro', targetId: code, summary: metro });
      return { code: row.code, name: row.name, country: row.country, is_available: row.is_available };
    });
  }

  async upsertOperatingSystem(
    ctx: Ctx,
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
  ): Promise<OperatingSystem> {
    return this.db.transaction().execute(async (tx) => {
      const row = await this.catalog.upsertOperatingSystem(tx, slug, os);
      await this.audit.record(tx, ctx, {
        action: 'catalog.os_saved',
        targetType: 'operating_system',
        targetId: slug,
        summary: { name: os.name, architectures: os.architectures, deprecated_on: os.deprecated_on, end_of_life_on: os.end_of_life_on },
      });
      return toOperatingSystem(row, new Date());
    });
  }
}

/**
 * Whether the boot service has something to boot for this OS on a machine of `architecture`: a
 * kernel and an initrd (files under <data dir>/os/<slug>/ or URLs), for every architecture the OS
 * lists unless `artifacts.architectures` names the ones they were built for. `custom_ipxe` boots
 * the user's script instead and always can.
 */
export function hasBootArtifacts(os: { slug: string; artifacts: Record<string, unknown> }, architecture: string): boolean {
  if (os.slug === 'custom_ipxe') return true;
  const artifacts = os.artifacts;
  const isBootable = Boolean((artifacts.kernel || artifacts.kernel_url) && (artifacts.initrd || artifacts.initrd_url));
  const built = artifacts.architectures;
  return isBootable && (!Array.isArray(built) || built.includes(architecture));
}

export function toPlan(row: Selectable<PlansTable>): Plan {
  return {
    slug: row.slug,
    name: row.name,
    description: row.description,
    architecture: row.architecture,
    cpu: { model: row.cpu_model, cores: row.cpu_cores },
    memory_gb: row.memory_gb,
    storage: { summary: row.storage_summary, total_gb: row.storage_gb },
    nics: row.nics_summary,
    gpu: row.gpu_summary,
    price_cents_per_hour: row.price_cents_per_hour,
    price_cents_per_month: row.price_cents_per_hour * HOURS_PER_MONTH,
    is_available: row.is_available,
  };
}

function toOperatingSystem(row: Selectable<OperatingSystemsTable>, today: Date): OperatingSystem {
  const day = today.toISOString().slice(0, 10);
  const status =
    row.end_of_life_on && row.end_of_life_on <= day
      ? 'end_of_life'
      : row.deprecated_on && row.deprecated_on <= day
        ? 'deprecated'
        : 'supported';
  return {
    slug: row.slug,
    name: row.name,
    distro: row.distro,
    version: row.version,
    architectures: row.architectures as OperatingSystem['architectures'],
    deprecated_on: row.deprecated_on,
    end_of_life_on: row.end_of_life_on,
    status,
    artifacts: row.artifacts,
  };
}
