import type { ColumnType, Generated, Insertable, Selectable } from 'kysely';

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;

export interface UsersTable {
  id: Generated<string>;
  email: string;
  name: string;
  password_hash: string | null;
  roles: ColumnType<string[], string[] | undefined, string[]>;
  github_login: string | null;
  is_disabled: Generated<boolean>;
  email_verified_at: NullableTimestamp;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface EmailVerificationsTable {
  token_hash: Buffer;
  user_id: string;
  email: string;
  created_at: Timestamp;
  expires_at: Date;
}

export interface SessionsTable {
  id_hash: Buffer;
  user_id: string;
  csrf_token: string;
  created_at: Timestamp;
  last_seen_at: Timestamp;
  expires_at: Timestamp;
}

export interface ApiTokensTable {
  id: Generated<string>;
  user_id: string;
  name: string;
  token_hash: Buffer;
  token_prefix: string;
  created_at: Timestamp;
  last_used_at: NullableTimestamp;
  expires_at: NullableTimestamp;
  revoked_at: NullableTimestamp;
}

export interface IdentitiesTable {
  provider: 'oidc' | 'github';
  subject: string;
  user_id: string;
  login: string | null;
  email: string | null;
  created_at: Timestamp;
  last_login_at: Timestamp;
}

export interface SettingsTable {
  key: string;
  value: unknown;
  updated_at: Timestamp;
}

export interface ProjectsTable {
  id: Generated<string>;
  slug: string;
  name: string;
  repository_host: string;
  repository_owner: string;
  repository_name: string;
  license_expression: string;
  is_osi_approved: boolean;
  description_md: string;
  description_html: string;
  website: string | null;
  foundation: string | null;
  is_public: Generated<boolean>;
  public_fields: ColumnType<string[], string[] | undefined, string[]>;
  is_listed: Generated<boolean>;
  /** Kept by triggers on project_members (migration 0060). */
  member_count: Generated<number>;
  /** The project's JSON for pages, kept by a trigger (migration 0061). */
  json_head: Generated<string>;
  json_tail: Generated<string>;
  json_times: Generated<string>;
  /** Moves whenever the kept JSON does, from a sequence (migration 0062): keys the page cache. */
  json_version: Generated<string>;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export type ProjectRole = 'owner' | 'member';

export interface ProjectMembersTable {
  project_id: string;
  user_id: string;
  role: ProjectRole;
  created_at: Timestamp;
}

export type InvitationState = 'pending' | 'accepted' | 'declined' | 'expired' | 'revoked';

export interface InvitationsTable {
  id: Generated<string>;
  project_id: string;
  email: string | null;
  github_login: string | null;
  role: ProjectRole;
  token_hash: Buffer;
  invited_by: string | null;
  state: ColumnType<InvitationState, InvitationState | undefined, InvitationState>;
  created_at: Timestamp;
  expires_at: Timestamp;
  responded_at: NullableTimestamp;
}

export interface SshKeysTable {
  id: Generated<string>;
  user_id: string;
  label: string;
  key_type: string;
  bits: number;
  public_key: string;
  fingerprint_sha256: string;
  created_at: Timestamp;
}

export interface AuditEventsTable {
  id: ColumnType<string, never, never>;
  occurred_at: Timestamp;
  actor_user_id: string | null;
  actor_label: string;
  action: string;
  target_type: string;
  target_id: string | null;
  project_id: string | null;
  summary: ColumnType<Record<string, unknown>, string, string>;
  request_id: string | null;
}

export interface EmailsTable {
  id: Generated<string>;
  to_address: string;
  subject: string;
  body_text: string;
  created_at: Timestamp;
  sent_at: NullableTimestamp;
  last_error: string | null;
  attempts: Generated<number>;
}

type DateColumn = ColumnType<string | null, string | null | undefined, string | null>;

export interface PlansTable {
  slug: string;
  name: string;
  description: Generated<string>;
  architecture: 'x86_64' | 'aarch64';
  cpu_model: string;
  cpu_cores: number;
  memory_gb: number;
  storage_summary: string;
  storage_gb: number;
  nics_summary: string;
  gpu_summary: string | null;
  price_cents_per_hour: number;
  is_available: Generated<boolean>;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface MetrosTable {
  code: string;
  name: string;
  country: Generated<string>;
  is_available: Generated<boolean>;
  created_at: Timestamp;
}

export interface OperatingSystemsTable {
  slug: string;
  name: string;
  distro: string;
  version: string;
  architectures: ColumnType<string[], string[], string[]>;
  deprecated_on: DateColumn;
  end_of_life_on: DateColumn;
  artifacts: ColumnType<Record<string, unknown>, string | undefined, string>;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface ProgramsTable {
  id: Generated<string>;
  slug: string;
  name: string;
  description_md: Generated<string>;
  currency: Generated<string>;
  budget_cents_per_year: ColumnType<string, number | bigint | string, number | bigint | string>;
  fiscal_year_start_month: Generated<number>;
  policy: ColumnType<Record<string, unknown>, string, string>;
  github_repository: string | null;
  github_secret_encrypted: Buffer | null;
  is_public: Generated<boolean>;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface ProgramStaffTable {
  program_id: string;
  user_id: string;
  role: 'lead' | 'reviewer';
  created_at: Timestamp;
}

export type RequestState = 'draft' | 'needs_info' | 'submitted' | 'in_review' | 'changes_requested' | 'approved' | 'declined' | 'withdrawn';

export interface RequestsTable {
  id: Generated<string>;
  number: Generated<number>;
  program_id: string;
  project_id: string | null;
  created_by: string | null;
  source: 'web' | 'github';
  github_issue: number | null;
  github_author: string | null;
  github_body: string | null;
  state: ColumnType<RequestState, RequestState | undefined, RequestState>;
  kind: ColumnType<'new' | 'extension', 'new' | 'extension' | undefined, 'new' | 'extension'>;
  extends_grant_id: string | null;
  purpose: string | null;
  title: Generated<string>;
  description_md: Generated<string>;
  /** description_md rendered when written (migration 0066); null on rows written before. */
  description_html: string | null;
  contact_name: string | null;
  contact_email: string | null;
  organization: string | null;
  project_urls: ColumnType<string[], string[] | undefined, string[]>;
  duration: ColumnType<'fixed' | 'ongoing', 'fixed' | 'ongoing' | undefined, 'fixed' | 'ongoing'>;
  end_on: DateColumn;
  review_on: DateColumn;
  start_on: DateColumn;
  publish_results: Generated<string>;
  acknowledges_sponsor: Generated<boolean>;
  progress_report_md: string | null;
  monthly_estimate_cents: ColumnType<string, number | string | undefined, number | string>;
  missing: ColumnType<string[], string[] | undefined, string[]>;
  decision_reason: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
  submitted_at: NullableTimestamp;
  decided_at: NullableTimestamp;
  /** Kept by triggers on request_resources and request_votes (0090) for the review queue. */
  server_count: Generated<number>;
  unmatched_lines: Generated<number>;
  votes_up: Generated<number>;
  votes_down: Generated<number>;
}

export interface RequestResourcesTable {
  request_id: string;
  position: number;
  plan_slug: string | null;
  quantity: number;
  metro_code: string | null;
  os_slug: string | null;
  unmatched: string | null;
}

export interface RequestEventsTable {
  id: ColumnType<string, never, never>;
  request_id: string;
  from_state: string | null;
  to_state: string;
  actor_user_id: string | null;
  actor_label: string;
  note: string | null;
  occurred_at: Timestamp;
}

export interface RequestCommentsTable {
  id: Generated<string>;
  request_id: string;
  author_user_id: string | null;
  author_label: string;
  body_md: string;
  body_html: string;
  is_staff_only: Generated<boolean>;
  github_comment_id: ColumnType<string | null, number | string | null | undefined, number | string | null>;
  created_at: Timestamp;
}

export interface RequestVotesTable {
  request_id: string;
  user_id: string;
  vote: number;
  scores: ColumnType<Record<string, number>, string | undefined, string>;
  note: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export type GrantState = 'active' | 'expiring' | 'expired' | 'revoked';

export interface GrantsTable {
  id: Generated<string>;
  program_id: string;
  project_id: string;
  request_id: string;
  monthly_credit_cents: ColumnType<string, number | string, number | string>;
  max_servers: number;
  allowed_plans: ColumnType<string[], string[] | undefined, string[]>;
  allowed_metros: ColumnType<string[], string[] | undefined, string[]>;
  starts_on: ColumnType<string, string, string>;
  ends_on: DateColumn;
  review_on: DateColumn;
  state: ColumnType<GrantState, GrantState | undefined, GrantState>;
  override_reason: string | null;
  ended_at: NullableTimestamp;
  end_reason: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface GrantNoticesTable {
  grant_id: string;
  days_before: number;
  sent_at: Timestamp;
}

export interface GithubDeliveriesTable {
  delivery_id: string;
  program_id: string | null;
  event: string;
  action: string | null;
  outcome: string;
  received_at: Timestamp;
}

export interface ProjectClaimsTable {
  id: Generated<string>;
  github_login: string;
  request_id: string;
  repository_url: string | null;
  claimed_by: string | null;
  claimed_at: NullableTimestamp;
  created_at: Timestamp;
}

export interface NotificationsTable {
  id: Generated<string>;
  user_id: string;
  kind: string;
  title: string;
  body: Generated<string>;
  link: string | null;
  created_at: Timestamp;
  read_at: NullableTimestamp;
}

export interface ProgramWebhooksTable {
  id: Generated<string>;
  program_id: string;
  url: string;
  secret_encrypted: Buffer;
  events: ColumnType<string[], string[] | undefined, string[]>;
  is_active: Generated<boolean>;
  created_at: Timestamp;
}

export interface WebhookDeliveriesTable {
  id: Generated<string>;
  webhook_id: string;
  event: string;
  payload: ColumnType<Record<string, unknown>, string, string>;
  status_code: number | null;
  error: string | null;
  attempts: Generated<number>;
  delivered_at: NullableTimestamp;
  state: ColumnType<'pending' | 'delivered' | 'failed', 'pending' | 'delivered' | 'failed' | undefined, 'pending' | 'delivered' | 'failed'>;
  created_at: Timestamp;
}

export interface StoriesTable {
  id: Generated<string>;
  project_id: string;
  program_id: string | null;
  title: string;
  body_md: string;
  body_html: string;
  state: ColumnType<
    'draft' | 'submitted' | 'published',
    'draft' | 'submitted' | 'published' | undefined,
    'draft' | 'submitted' | 'published'
  >;
  author_user_id: string | null;
  published_at: NullableTimestamp;
  review_note: string | null;
  submitted_at: NullableTimestamp;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export type MachineState = 'enrolling' | 'available' | 'allocated' | 'wiping' | 'maintenance' | 'failed';

export interface MachinesTable {
  id: Generated<string>;
  hostname: string;
  serial: string | null;
  plan_slug: string;
  metro_code: string;
  location: Generated<string>;
  mac_addresses: ColumnType<string[], string[] | undefined, string[]>;
  bmc_provider: 'redfish' | 'lab' | 'manual';
  bmc_url: string | null;
  bmc_username: string | null;
  bmc_password_encrypted: Buffer | null;
  bmc_ca_pem: string | null;
  bmc_is_insecure: Generated<boolean>;
  bmc_system_path: string | null;
  facts: ColumnType<Record<string, unknown>, string | undefined, string>;
  state: ColumnType<MachineState, MachineState | undefined, MachineState>;
  state_reason: string | null;
  server_id: string | null;
  is_lab: Generated<boolean>;
  lab_ssh_port: number | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface MachineMacsTable {
  mac: string;
  machine_id: string;
}

export interface MachineEventsTable {
  id: ColumnType<string, never, never>;
  machine_id: string;
  from_state: string | null;
  to_state: string;
  reason: string | null;
  actor_label: string;
  occurred_at: Timestamp;
}

export type ServerState =
  | 'queued'
  | 'provisioning'
  | 'active'
  | 'powering_off'
  | 'inactive'
  | 'powering_on'
  | 'rebooting'
  | 'reinstalling'
  | 'deprovisioning'
  | 'deleted'
  | 'failed';

export interface ServersTable {
  id: Generated<string>;
  project_id: string;
  grant_id: string | null;
  created_by: string | null;
  hostname: string;
  plan_slug: string;
  metro_code: string;
  os_slug: string;
  state: ColumnType<ServerState, ServerState | undefined, ServerState>;
  state_reason: string | null;
  progress_percent: Generated<number>;
  machine_id: string | null;
  ssh_public_keys: ColumnType<string[], string[] | undefined, string[]>;
  userdata: Generated<string>;
  ipxe_script_url: string | null;
  ipxe_script: string | null;
  always_pxe: Generated<boolean>;
  termination_time: NullableTimestamp;
  provision_token_hash: Buffer | null;
  provision_generation: Generated<number>;
  /** The running reinstall erases the disks first (preserve_data was false). */
  is_wipe_requested: Generated<boolean>;
  ip_addresses: ColumnType<unknown[], string | undefined, string>;
  last_heartbeat_at: NullableTimestamp;
  last_ssh_session_at: NullableTimestamp;
  rx_bytes: string | null;
  tx_bytes: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
  activated_at: NullableTimestamp;
  deleted_at: NullableTimestamp;
}

export interface ServerEventsTable {
  id: ColumnType<string, never, never>;
  server_id: string;
  from_state: string | null;
  to_state: string;
  step: string | null;
  progress_percent: number | null;
  note: string | null;
  actor_label: string;
  occurred_at: Timestamp;
}

export interface BmcActionsTable {
  idempotency_key: string;
  machine_id: string;
  action: string;
  provider: string;
  outcome: string;
  detail: ColumnType<Record<string, unknown>, string | undefined, string>;
  occurred_at: Timestamp;
}

// --- supply-chain insight (server/src/insight) ---
export interface ProductsTable {
  id: Generated<string>;
  slug: string;
  name: string;
  description: Generated<string>;
  created_by: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface UpstreamProjectsTable {
  id: Generated<string>;
  key: string;
  kind: 'repository' | 'package' | 'group';
  repository: string | null;
  owner: string | null;
  name: string;
  created_at: Timestamp;
}

export interface ProductUploadsTable {
  id: Generated<string>;
  product_id: string;
  file_name: string;
  companion_name: string | null;
  format: string;
  format_version: string | null;
  size_bytes: ColumnType<string, number | string, number | string>;
  sha256: string;
  packages_count: number;
  direct_count: number | null;
  depth_histogram: number[];
  notes: ColumnType<string[], string[] | undefined, string[]>;
  graph_gz: Buffer;
  uploaded_by: string | null;
  uploaded_at: Timestamp;
}

export interface UploadUpstreamProjectsTable {
  upload_id: string;
  upstream_project_id: string;
  packages: number;
  direct: number;
  min_depth: number;
  paths: number;
  is_dev_only: boolean;
  score: number;
  purls: string[];
  funding: ColumnType<string[], string[] | undefined, string[]>;
}

export interface UpstreamOverridesTable {
  id: Generated<string>;
  match_kind: 'repository' | 'owner';
  match: string;
  group_id: string;
  created_by: string | null;
  created_at: Timestamp;
}

export interface UpstreamSignalsTable {
  repository: string;
  criticality_score: number | null;
  dependents_count: ColumnType<string | null, number | string | null, number | string | null>;
  source: string;
  imported_at: Timestamp;
}

export interface UpstreamInvitationsTable {
  id: Generated<string>;
  upstream_project_id: string;
  channel: 'email' | 'github_issue';
  email: string | null;
  repository: string | null;
  invited_by: string | null;
  created_at: Timestamp;
}
// --- end supply-chain insight ---

export interface Database {
  users: UsersTable;
  email_verifications: EmailVerificationsTable;
  sessions: SessionsTable;
  api_tokens: ApiTokensTable;
  identities: IdentitiesTable;
  settings: SettingsTable;
  projects: ProjectsTable;
  project_members: ProjectMembersTable;
  invitations: InvitationsTable;
  ssh_keys: SshKeysTable;
  audit_events: AuditEventsTable;
  emails: EmailsTable;
  plans: PlansTable;
  metros: MetrosTable;
  operating_systems: OperatingSystemsTable;
  programs: ProgramsTable;
  program_staff: ProgramStaffTable;
  requests: RequestsTable;
  request_resources: RequestResourcesTable;
  request_events: RequestEventsTable;
  request_comments: RequestCommentsTable;
  request_votes: RequestVotesTable;
  grants: GrantsTable;
  grant_notices: GrantNoticesTable;
  github_deliveries: GithubDeliveriesTable;
  project_claims: ProjectClaimsTable;
  notifications: NotificationsTable;
  program_webhooks: ProgramWebhooksTable;
  webhook_deliveries: WebhookDeliveriesTable;
  stories: StoriesTable;
  machines: MachinesTable;
  machine_macs: MachineMacsTable;
  machine_events: MachineEventsTable;
  servers: ServersTable;
  server_events: ServerEventsTable;
  bmc_actions: BmcActionsTable;
  products: ProductsTable;
  upstream_projects: UpstreamProjectsTable;
  product_uploads: ProductUploadsTable;
  upload_upstream_projects: UploadUpstreamProjectsTable;
  upstream_overrides: UpstreamOverridesTable;
  upstream_signals: UpstreamSignalsTable;
  upstream_invitations: UpstreamInvitationsTable;
}

export type UserRow = Selectable<UsersTable>;
export type ProjectRow = Selectable<ProjectsTable>;
export type InvitationRow = Selectable<InvitationsTable>;
export type SshKeyRow = Selectable<SshKeysTable>;
export type ApiTokenRow = Selectable<ApiTokensTable>;
export type AuditEventRow = Selectable<AuditEventsTable>;
export type NewAuditEvent = Insertable<AuditEventsTable>;
