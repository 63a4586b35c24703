import { z } from 'zod';

export const Architecture = z.enum(['x86_64', 'aarch64']).meta({ id: 'Architecture' });

export const Plan = z
  .object({
    slug: z.string(),
    name: z.string(),
    description: z.string(),
    architecture: Architecture,
    cpu: z.object({ model: z.string(), cores: z.number().int() }),
    memory_gb: z.number().int(),
    storage: z.object({ summary: z.string(), total_gb: z.number().int() }),
    nics: z.string(),
    gpu: z.string().nullable(),
    price_cents_per_hour: z.number().int(),
    price_cents_per_month: z.number().int().describe('Hourly price × 730 hours, the usual monthly estimate.'),
    is_available: z.boolean(),
  })
  .meta({ id: 'Plan' });
export type Plan = z.infer<typeof Plan>;

const PlanSlug = z.string().regex(/^[a-z0-9][a-z0-9.-]{1,40}$/, 'must be lowercase letters, digits, dots or dashes');

export const PlanUpsertBody = z
  .strictObject({
    name: z.string().trim().min(1).max(100),
    description: z.string().max(2000).default(''),
    architecture: Architecture,
    cpu_model: z.string().trim().min(1).max(200),
    cpu_cores: z.number().int().min(1).max(4096),
    memory_gb: z.number().int().min(1).max(65536),
    storage_summary: z.string().trim().min(1).max(200),
    storage_gb: z.number().int().min(1).max(10_000_000),
    nics_summary: z.string().trim().min(1).max(200),
    gpu_summary: z.string().trim().max(200).nullable().default(null),
    price_cents_per_hour: z.number().int().min(0).max(10_000_000),
    is_available: z.boolean().default(true),
  })
  .meta({ id: 'PlanUpsertBody' });
export type PlanUpsertBody = z.infer<typeof PlanUpsertBody>;

export const Metro = z.object({ code: z.string(), name: z.string(), country: z.string(), is_available: z.boolean() }).meta({ id: 'Metro' });
export type Metro = z.infer<typeof Metro>;
export const MetroUpsertBody = z
  .strictObject({
    name: z.string().trim().min(1).max(100),
    country: z.string().trim().max(2).default(''),
    is_available: z.boolean().default(true),
  })
  .meta({ id: 'MetroUpsertBody' });

const IsoDate = z.iso.date();

export const OperatingSystem = z
  .object({
    slug: z.string(),
    name: z.string(),
    distro: z.string(),
    version: z.string(),
    architectures: z.array(Architecture),
    deprecated_on: z.string().nullable(),
    end_of_life_on: z.string().nullable(),
    status: z.enum(['supported', 'deprecated', 'end_of_life']).describe('As of today.'),
    artifacts: z.record(z.string(), z.unknown()).describe('Where the boot service finds this OS (kernel, initrd, image).'),
  })
  .meta({ id: 'OperatingSystem' });
export type OperatingSystem = z.infer<typeof OperatingSystem>;
export const OperatingSystemUpsertBody = z
  .strictObject({
    name: z.string().trim().min(1).max(100),
    distro: z.string().trim().min(1).max(50),
    version: z.string().trim().min(1).max(50),
    architectures: z.array(Architecture).min(1).max(2),
    deprecated_on: IsoDate.nullable().default(null),
    end_of_life_on: IsoDate.nullable().default(null),
    artifacts: z.record(z.string(), z.unknown()).default({}),
  })
  .meta({ id: 'OperatingSystemUpsertBody' });

export const Catalog = z
  .object({ plans: z.array(Plan), metros: z.array(Metro), operating_systems: z.array(OperatingSystem) })
  .meta({ id: 'Catalog' });

export const PlanParam = z.object({ slug: PlanSlug });
export const MetroParam = z.object({ code: z.string().regex(/^[a-z]{2,5}$/, 'must be 2–5 lowercase letters') });
export const OsParam = z.object({ slug: z.string().regex(/^[a-z0-9][a-z0-9_.-]{1,40}$/, 'must be lowercase letters, digits, _ . or -') });
