import { z } from 'zod';
import { PageQuery, pageOf } from '../http/pagination.ts';

export const SERVER_STATES = [
  'queued',
  'provisioning',
  'active',
  'powering_off',
  'inactive',
  'powering_on',
  'rebooting',
  'reinstalling',
  'deprovisioning',
  'deleted',
  'failed',
] as const;
export const ServerState = z.enum(SERVER_STATES).meta({ id: 'ServerState' });

// RFC 1123 host label: letters, digits and inner dashes, at most 63 characters.
const Hostname = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/, 'must be an RFC 1123 host name: 1–63 letters, digits or inner dashes');

export const ServerCreateBody = z
  .strictObject({
    project: z.string().min(1).max(64).describe('Project id or slug.'),
    plan: z.string().min(1).max(50),
    metro: z.string().min(1).max(10),
    operating_system: z.string().min(1).max(50),
    hostname: Hostname.optional().describe('Defaults to a generated name.'),
    ssh_keys: z.array(z.string().max(16_384)).max(100).optional().describe("OpenSSH public keys; by default every project member's keys."),
    userdata: z
      .string()
      .max(64 * 1024, 'must be at most 64 KiB')
      .default(''),
    ipxe_script_url: z
      .string()
      .max(2000)
      .refine((value) => /^https?:\/\/[^\s]+$/i.test(value), 'must be an http(s) URL')
      .optional()
      .describe('For custom_ipxe: a script to chain.'),
    ipxe_script: z
      .string()
      .max(64 * 1024, 'must be at most 64 KiB')
      .refine((value) => value.trimStart().startsWith('#!ipxe'), 'must start with #!ipxe')
      .optional()
      .describe('For custom_ipxe: an inline script.'),
    always_pxe: z.boolean().default(false).describe('Netboot on every boot instead of booting the installed disk.'),
    termination_time: z.iso.datetime().optional().describe('When Surplus deletes the server by itself.'),
  })
  .meta({ id: 'ServerCreateBody' });
export type ServerCreateBody = z.infer<typeof ServerCreateBody>;

export const ServerEvent = z
  .object({
    from_state: z.string().nullable(),
    to_state: z.string(),
    step: z.string().nullable(),
    progress_percent: z.number().int().nullable(),
    note: z.string().nullable(),
    actor: z.string(),
    occurred_at: z.string(),
  })
  .meta({ id: 'ServerEvent' });

export const Server = z
  .object({
    id: z.uuid(),
    hostname: z.string(),
    project: z.object({ id: z.uuid(), slug: z.string(), name: z.string() }),
    plan: z.string(),
    metro: z.string(),
    operating_system: z.string(),
    state: ServerState,
    state_reason: z.string().nullable(),
    progress_percent: z.number().int(),
    ssh: z
      .object({ host: z.string(), port: z.number().int(), user: z.string(), command: z.string() })
      .nullable()
      .describe('How to reach the server once it is active.'),
    ip_addresses: z.array(z.object({ address: z.string(), public: z.boolean() })),
    always_pxe: z.boolean(),
    termination_time: z.string().nullable(),
    machine: z.object({ id: z.uuid(), hostname: z.string() }).nullable().describe('Shown to staff only.'),
    last_heartbeat_at: z.string().nullable(),
    created_at: z.string(),
    activated_at: z.string().nullable(),
    deleted_at: z.string().nullable(),
  })
  .meta({ id: 'Server' });
export type Server = z.infer<typeof Server>;

export const ServerDetail = Server.extend({ timeline: z.array(ServerEvent) }).meta({ id: 'ServerDetail' });
export type ServerDetail = z.infer<typeof ServerDetail>;
export const ServerList = pageOf(Server).meta({ id: 'ServerList' });
export const ServerParam = z.object({ id: z.uuid() });
export const ServerListQuery = PageQuery.extend({
  project: z.string().max(64).optional(),
  state: ServerState.optional(),
  include_deleted: z.enum(['true', 'false']).default('false'),
});
export type ServerListQuery = z.infer<typeof ServerListQuery>;
export const ServerActionBody = z
  .strictObject({
    type: z.enum(['power_on', 'power_off', 'reboot', 'reinstall']),
    operating_system: z.string().max(50).optional().describe('reinstall: the new OS (default: the current one).'),
    preserve_data: z.boolean().default(false).describe('reinstall: keep the data disks.'),
  })
  .meta({ id: 'ServerActionBody' });
export type ServerActionBody = z.infer<typeof ServerActionBody>;
