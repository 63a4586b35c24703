import type { CatalogSnapshot } from '../catalog/catalog.service.ts';
import type { ResourceLine } from './requests.schemas.ts';

export type StoredLine = {
  plan: string | null;
  quantity: number;
  metro: string | null;
  operating_system: string | null;
  unmatched: string | null;
};

/** Monthly cost of resource lines at catalog prices: hourly price × 730 h × quantity, in cents. */
export function estimate(lines: StoredLine[], catalog: CatalogSnapshot): { monthly_cents: number; lines: ResourceLine[] } {
  const priced = lines.map((line) => {
    const plan = line.plan ? catalog.plans.get(line.plan) : undefined;
    return { ...line, monthly_cents: plan ? plan.price_cents_per_month * line.quantity : 0 };
  });
  return { monthly_cents: priced.reduce((sum, line) => sum + line.monthly_cents, 0), lines: priced };
}
