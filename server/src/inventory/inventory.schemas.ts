import { X509Certificate } from 'node:crypto';
import { z } from 'zod';
import { PageQuery } from '../http/pagination.ts';

export const MACHINE_STATES = ['enrolling', 'available', 'allocated', 'wiping', 'maintenance', 'failed'] as const;
export const MachineState = z.enum(MACHINE_STATES).meta({ id: 'MachineState' });
export const BMC_PROVIDERS = ['redfish', 'lab', 'manual'] as const;
export const BmcProvider = z.enum(BMC_PROVIDERS).meta({ id: 'BmcProvider' });

// ── Field rules shared by the JSON body and the CSV import ─────────────────────────────────────────

const MAC_FORMS = [
  /^([0-9a-f]{2})[:-]([0-9a-f]{2})[:-]([0-9a-f]{2})[:-]([0-9a-f]{2})[:-]([0-9a-f]{2})[:-]([0-9a-f]{2})$/,
  /^([0-9a-f]{2})([0-9a-f]{2})\.([0-9a-f]{2})([0-9a-f]{2})\.([0-9a-f]{2})([0-9a-f]{2})$/,
  /^([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/,
];

/**
 * A NIC's MAC in the one form stored and compared (lower-case, colon-separated), or why it is not one.
 * Accepts aa:bb:cc:dd:ee:ff, AA-BB-CC-DD-EE-FF, aabb.ccdd.eeff and aabbccddeeff.
 */
export function normalizeMac(value: string): { mac: string } | { error: string } {
  const text = value.trim().toLowerCase();
  const match = MAC_FORMS.map((form) => form.exec(text)).find((found) => found !== null);
  if (!match) return { error: `${JSON.stringify(value.slice(0, 40))} is not a MAC address (write it as aa:bb:cc:dd:ee:ff)` };
  const mac = match.slice(1).join(':');
  if (mac === '00:00:00:00:00:00' || mac === 'ff:ff:ff:ff:ff:ff') return { error: `${mac} is not a usable NIC address` };
  // The I/G bit: a NIC's own address is unicast; a multicast one is a typo or a copied group address.
  if (Number.parseInt(mac.slice(0, 2), 16) & 1) return { error: `${mac} is a multicast address; a NIC's own MAC is unicast` };
  return { mac };
}

// A refinement, not a failing transform: zod would skip the body's cross-field checks after one.
export const MacAddress = z
  .string()
  .superRefine((value, ctx) => {
    const result = normalizeMac(value);
    if ('error' in result) ctx.addIssue({ code: 'custom', message: result.error });
  })
  .transform((value) => {
    const result = normalizeMac(value);
    return 'mac' in result ? result.mac : value;
  });

// RFC 1123 host label, the form the machines table enforces: one label, no domain.
export const MachineHostname = z
  .string()
  .trim()
  .toLowerCase()
  .superRefine((value, ctx) => {
    if (value.includes('.')) ctx.addIssue({ code: 'custom', message: 'must be one RFC 1123 label without a domain (e.g. rack3-node07)' });
    else if (!/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/.test(value)) {
      ctx.addIssue({
        code: 'custom',
        message: 'must be an RFC 1123 host name: 1–63 letters, digits or inner dashes, not starting or ending with a dash',
      });
    }
  });

export const BmcUrl = z
  .string()
  .trim()
  .max(2000)
  .superRefine((value, ctx) => {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      ctx.addIssue({ code: 'custom', message: `${JSON.stringify(value.slice(0, 80))} is not a URL (e.g. https://10.0.0.5)` });
      return;
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:')
      ctx.addIssue({ code: 'custom', message: `must be an http(s) URL, not ${url.protocol}` });
    // Credentials in the URL would be stored and shown in clear: they go in bmc_username/bmc_password.
    else if (url.username || url.password)
      ctx.addIssue({ code: 'custom', message: 'must not contain credentials; use bmc_username and bmc_password' });
    else if (!url.hostname) ctx.addIssue({ code: 'custom', message: 'must name the BMC host' });
  });

export const CaPem = z
  .string()
  .max(64 * 1024, 'must be at most 64 KiB')
  .superRefine((value, ctx) => {
    if (!value.includes('-----BEGIN CERTIFICATE-----')) {
      ctx.addIssue({ code: 'custom', message: 'must be a PEM certificate (-----BEGIN CERTIFICATE-----)' });
      return;
    }
    try {
      new X509Certificate(value);
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: `is not a readable PEM certificate: ${(error as Error).message}` });
    }
  });

const SystemPath = z
  .string()
  .trim()
  .regex(/^\/redfish\/v1\/Systems\/[^/\s]+$/, 'must be a Redfish ComputerSystem path such as /redfish/v1/Systems/1');

const BmcSecretFields = {
  bmc_url: BmcUrl.optional().describe('Redfish service URL (http or https); required for redfish and lab.'),
  bmc_username: z.string().min(1).max(256).optional(),
  bmc_password: z.string().min(1).max(256).optional().describe('Stored encrypted; never returned.'),
  bmc_ca_pem: CaPem.optional().describe('PEM of the CA (or self-signed certificate) the BMC’s certificate is checked against.'),
  bmc_insecure: z.boolean().optional().describe('Skip TLS verification for this BMC only (instead of bmc_ca_pem).'),
  bmc_system_path: SystemPath.optional().describe('The ComputerSystem to manage when the BMC has several.'),
};

type BmcFields = {
  bmc_provider?: string;
  bmc_url?: string | null;
  bmc_username?: string | null;
  bmc_password?: string | null;
  bmc_ca_pem?: string | null;
  bmc_insecure?: boolean;
};

/** The BMC settings that only make sense together, checked on enrollment, each CSV line and the merged result of a PATCH. */
export function bmcProblems(bmc: BmcFields): { field: string; message: string }[] {
  const problems: { field: string; message: string }[] = [];
  if (bmc.bmc_provider === 'redfish' || bmc.bmc_provider === 'lab') {
    if (!bmc.bmc_url) problems.push({ field: 'bmc_url', message: `is required for the ${bmc.bmc_provider} provider` });
  }
  if (bmc.bmc_provider === 'redfish') {
    if (!bmc.bmc_username) problems.push({ field: 'bmc_username', message: 'is required for the redfish provider' });
    if (!bmc.bmc_password) problems.push({ field: 'bmc_password', message: 'is required for the redfish provider' });
  }
  if (bmc.bmc_insecure && bmc.bmc_ca_pem)
    problems.push({ field: 'bmc_insecure', message: 'cannot be combined with bmc_ca_pem: give the CA, or skip verification' });
  if (bmc.bmc_ca_pem && bmc.bmc_url?.trim().toLowerCase().startsWith('http:')) {
    problems.push({ field: 'bmc_ca_pem', message: 'only applies to https BMC URLs' });
  }
  return problems;
}

// ── Requests ───────────────────────────────────────────────────────────────────────────────────────

export const MachineEnrollBody = z
  .strictObject({
    hostname: MachineHostname,
    serial: z.string().trim().max(100).optional(),
    plan: z.string().trim().min(1).max(50),
    metro: z.string().trim().min(1).max(10),
    location: z.string().trim().max(200).default('').describe('Where it is: site, rack, unit.'),
    macs: z.array(MacAddress).max(32).default([]).describe('NIC MACs; more are added from the BMC at enrollment.'),
    bmc_provider: BmcProvider,
    ...BmcSecretFields,
  })
  .superRefine((body, ctx) => {
    for (const problem of bmcProblems(body)) ctx.addIssue({ code: 'custom', path: [problem.field], message: problem.message });
    body.macs?.forEach((mac, index) => {
      const first = body.macs.indexOf(mac);
      if (typeof mac === 'string' && first !== index)
        ctx.addIssue({ code: 'custom', path: ['macs', index], message: `${mac} repeats macs[${first}]` });
    });
  })
  .meta({ id: 'MachineEnrollBody' });
export type MachineEnrollBody = z.infer<typeof MachineEnrollBody>;

export const MachineUpdateBody = z
  .strictObject({
    serial: z.string().trim().max(100).nullable().optional(),
    plan: z.string().trim().min(1).max(50).optional(),
    metro: z.string().trim().min(1).max(10).optional(),
    location: z.string().trim().max(200).optional(),
    bmc_provider: BmcProvider.optional(),
    bmc_url: BmcUrl.nullable().optional(),
    bmc_username: z.string().min(1).max(256).nullable().optional(),
    bmc_password: z.string().min(1).max(256).nullable().optional().describe('Stored encrypted; never returned. null removes it.'),
    bmc_ca_pem: CaPem.nullable().optional(),
    bmc_insecure: z.boolean().optional(),
    bmc_system_path: SystemPath.nullable().optional(),
  })
  .meta({ id: 'MachineUpdateBody' });
export type MachineUpdateBody = z.infer<typeof MachineUpdateBody>;

export const MachineMaintenanceBody = z
  .strictObject({ reason: z.string().trim().min(1, 'is required: say why the machine leaves the pool').max(500) })
  .meta({ id: 'MachineMaintenanceBody' });

export const MachineParam = z.object({ id: z.uuid() });

export const MachineListQuery = PageQuery.extend({
  state: MachineState.optional(),
  plan: z.string().max(50).optional(),
  metro: z.string().max(10).optional(),
  q: z.string().trim().max(100).optional().describe('Part of a hostname, serial, location or MAC.'),
});
export type MachineListQuery = z.infer<typeof MachineListQuery>;

export const MachineImportQuery = z.object({
  dry_run: z.stringbool().default(false).describe('"true" validates every line and imports nothing.'),
});

export const MachineImportCsv = z
  .string()
  .describe(
    'CSV with a header line. Columns: hostname, plan, metro, bmc_provider (required); serial, location, macs (separated by spaces or semicolons), bmc_url, bmc_username, bmc_password, bmc_insecure (true/false), bmc_ca_pem, bmc_system_path.',
  );

// ── Responses ──────────────────────────────────────────────────────────────────────────────────────

export const MachineFacts = z
  .object({
    provider: z.string().describe('The provider that answered the probe.'),
    probe_detail: z.string(),
    inspected_at: z.string(),
    manufacturer: z.string().nullable(),
    model: z.string().nullable(),
    serial: z.string().nullable(),
    cpu: z.object({ model: z.string().nullable(), sockets: z.number().int().nullable(), cores: z.number().int().nullable() }),
    memory_gb: z.number().nullable(),
    nics: z.array(z.object({ mac: z.string(), speed_mbps: z.number().int().nullable() })),
    power_state: z.enum(['on', 'off', 'unknown']),
    system_path: z.string().nullable(),
  })
  .meta({ id: 'MachineFacts' });
export type MachineFacts = z.infer<typeof MachineFacts>;

export const MachineServer = z
  .object({
    id: z.uuid(),
    hostname: z.string(),
    state: z.string(),
    project: z.object({ id: z.uuid(), slug: z.string(), name: z.string() }),
  })
  .meta({ id: 'MachineServer' });

export const Machine = z
  .object({
    id: z.uuid(),
    hostname: z.string(),
    serial: z.string().nullable(),
    plan: z.string(),
    metro: z.string(),
    location: z.string(),
    macs: z.array(z.string()),
    state: MachineState,
    state_reason: z.string().nullable(),
    bmc_provider: BmcProvider,
    bmc_url: z.string().nullable(),
    bmc_username: z.string().nullable(),
    has_bmc_password: z.boolean(),
    bmc_ca_pem: z.string().nullable(),
    bmc_insecure: z.boolean(),
    bmc_system_path: z.string().nullable(),
    is_lab: z.boolean(),
    facts: MachineFacts.nullable().describe('What the BMC reported at the last successful probe; null before one.'),
    server: MachineServer.nullable().describe('The server the machine is allocated to.'),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .meta({ id: 'Machine' });
export type Machine = z.infer<typeof Machine>;

export const MachineEvent = z
  .object({
    id: z.string(),
    from_state: z.string().nullable(),
    to_state: z.string(),
    reason: z.string().nullable(),
    actor: z.string(),
    occurred_at: z.string(),
  })
  .meta({ id: 'MachineEvent' });

export const MachineDetail = Machine.extend({
  events: z.array(MachineEvent).describe('Every state change, oldest first.'),
}).meta({ id: 'MachineDetail' });
export type MachineDetail = z.infer<typeof MachineDetail>;

const Count = z.number().int();
export const MachineStateCounts = z
  .object({ enrolling: Count, available: Count, allocated: Count, wiping: Count, maintenance: Count, failed: Count, total: Count })
  .meta({ id: 'MachineStateCounts' });
export type MachineStateCounts = z.infer<typeof MachineStateCounts>;

export const MachineList = z
  .object({
    items: z.array(Machine),
    next_cursor: z.string().nullable().describe('Pass as cursor to get the next page; null on the last page.'),
    counts: MachineStateCounts.describe('Machines per state under the plan, metro and q filters (not the state filter): the fleet view.'),
  })
  .meta({ id: 'MachineList' });

export const MachineImportResult = z
  .object({
    dry_run: z.boolean(),
    count: z.number().int().describe('Lines that were (or, on a dry run, would be) imported.'),
    machines: z.array(z.object({ line: z.number().int(), hostname: z.string(), id: z.uuid().nullable(), state: MachineState.nullable() })),
  })
  .meta({ id: 'MachineImportResult' });
export type MachineImportResult = z.infer<typeof MachineImportResult>;
