import type { AuditService } from '../audit/audit.service.ts';
import type { Db } from '../db/database.ts';
import type { SshKeyRow } from '../db/schema.ts';
import type { Actor, Ctx } from '../http/context.ts';
import { fail, invalid, notFound } from '../http/errors.ts';
import type { KeysRepository } from './keys.repository.ts';
import type { ProjectSshKey, SshKey } from './keys.schemas.ts';
import { parseSshKey } from './ssh-key.ts';

type SignedIn = Ctx & { actor: Actor };

export class KeysService {
  private readonly db: Db;
  private readonly keys: KeysRepository;
  private readonly audit: AuditService;

  constructor(db: Db, keys: KeysRepository, audit: AuditService) {
    this.db = db;
    this.keys = keys;
    this.audit = audit;
  }

  async list(actor: Actor): Promise<SshKey[]> {
    return (await this.keys.listForUser(this.db, actor.userId)).map(toSshKey);
  }

  /** Public keys of a project's members (the route checked membership). */
  async listForProject(projectId: string): Promise<ProjectSshKey[]> {
    const rows = await this.keys.listForProjectWithOwners(this.db, projectId);
    return rows.map((row) => ({ ...toSshKey(row), owner: { id: row.user_id, name: row.owner_name } }));
  }

  async add(ctx: SignedIn, input: { public_key: string; label?: string }): Promise<SshKey> {
    const lines = input.public_key.split('\n').filter((line) => line.trim() !== '');
    if (lines.length !== 1) invalid('public_key', 'must be exactly one key (one line)');
    const parsed = parseSshKey(lines[0] as string);
    if ('error' in parsed) invalid('public_key', parsed.error);
    const label = input.label || parsed.comment || `${parsed.type} key`;
    return this.db.transaction().execute(async (tx) => {
      const row = await this.keys.insert(tx, {
        userId: ctx.actor.userId,
        label,
        type: parsed.type,
        bits: parsed.bits,
        publicKey: parsed.normalized,
        fingerprint: parsed.fingerprint,
      });
      if (!row) {
        fail('ERR_DUPLICATE_KEY', `public_key: you already added the key ${parsed.fingerprint}`, [
          { field: 'public_key', message: 'is already added' },
        ]);
      }
      await this.audit.record(tx, ctx, {
        action: 'ssh_key.added',
        targetType: 'ssh_key',
        targetId: row.id,
        summary: { label, type: parsed.type, fingerprint: parsed.fingerprint },
      });
      return toSshKey(row);
    });
  }

  async remove(ctx: SignedIn, id: string): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      const row = await this.keys.delete(tx, ctx.actor.userId, id);
      if (!row) notFound('SSH key');
      await this.audit.record(tx, ctx, {
        action: 'ssh_key.removed',
        targetType: 'ssh_key',
        targetId: id,
        summary: { label: row.label, fingerprint: row.fingerprint_sha256 },
      });
    });
  }
}

function toSshKey(row: SshKeyRow): SshKey {
  return {
    id: row.id,
    label: row.label,
    type: row.key_type,
    bits: row.bits,
    fingerprint: row.fingerprint_sha256,
    public_key: row.public_key,
    created_at: row.created_at.toISOString(),
  };
}
