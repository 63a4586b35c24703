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
  created_at: Timestamp;
  updated_at: Timestamp;
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

export interface Database {
  users: UsersTable;
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
}

export type UserRow = Selectable<UsersTable>;
export type ProjectRow = Selectable<ProjectsTable>;
export type InvitationRow = Selectable<InvitationsTable>;
export type SshKeyRow = Selectable<SshKeysTable>;
export type ApiTokenRow = Selectable<ApiTokensTable>;
export type AuditEventRow = Selectable<AuditEventsTable>;
export type NewAuditEvent = Insertable<AuditEventsTable>;
