import type { Executor } from '../db/database.ts';
import type { SshKeyRow } from '../db/schema.ts';

export class KeysRepository {
  listForUser(db: Executor, userId: string): Promise<SshKeyRow[]> {
    return db.selectFrom('ssh_keys').selectAll().where('user_id', '=', userId).orderBy('created_at').execute();
  }

  /** Keys of every member of a project: what a new server trusts by default. */
  listForProject(db: Executor, projectId: string): Promise<SshKeyRow[]> {
    return db
      .selectFrom('ssh_keys')
      .innerJoin('project_members', 'project_members.user_id', 'ssh_keys.user_id')
      .selectAll('ssh_keys')
      .where('project_members.project_id', '=', projectId)
      .orderBy('ssh_keys.created_at')
      .execute();
  }

  /** The same keys with their owners' names, for the server form's "these keys will be installed". */
  listForProjectWithOwners(db: Executor, projectId: string) {
    return db
      .selectFrom('ssh_keys')
      .innerJoin('project_members', 'project_members.user_id', 'ssh_keys.user_id')
      .innerJoin('users', 'users.id', 'ssh_keys.user_id')
      .selectAll('ssh_keys')
      .select(['users.name as owner_name'])
      .where('project_members.project_id', '=', projectId)
      .orderBy('users.name')
      .orderBy('ssh_keys.created_at')
      .execute();
  }

  /** Undefined when the user already has this key, also when a concurrent insert committed it first. */
  insert(db: Executor, key: { userId: string; label: string; type: string; bits: number; publicKey: string; fingerprint: string }) {
    return db
      .insertInto('ssh_keys')
      .values({
        user_id: key.userId,
        label: key.label,
        key_type: key.type,
        bits: key.bits,
        public_key: key.publicKey,
        fingerprint_sha256: key.fingerprint,
      })
      .onConflict((oc) => oc.columns(['user_id', 'fingerprint_sha256']).doNothing())
      .returningAll()
      .executeTakeFirst();
  }

  delete(db: Executor, userId: string, id: string) {
    return db.deleteFrom('ssh_keys').where('id', '=', id).where('user_id', '=', userId).returningAll().executeTakeFirst();
  }
}
