import { z } from 'zod';

export const SshKey = z
  .object({
    id: z.uuid(),
    label: z.string(),
    type: z.string().describe('ssh-ed25519, ecdsa-sha2-nistp256/384/521 or ssh-rsa.'),
    bits: z.number().int(),
    fingerprint: z.string().describe('SHA256:… as `ssh-keygen -l` prints it.'),
    public_key: z.string(),
    created_at: z.string(),
  })
  .meta({ id: 'SshKey' });
export type SshKey = z.infer<typeof SshKey>;

export const SshKeyCreateBody = z
  .strictObject({
    public_key: z.string().min(1).max(16_384).describe('One line of ~/.ssh/id_*.pub.'),
    label: z.string().trim().max(100).optional().describe('Defaults to the key’s comment.'),
  })
  .meta({ id: 'SshKeyCreateBody' });
export const SshKeyList = z.object({ items: z.array(SshKey) }).meta({ id: 'SshKeyList' });

export const ProjectSshKey = SshKey.extend({ owner: z.object({ id: z.uuid(), name: z.string() }) }).meta({ id: 'ProjectSshKey' });
export const ProjectSshKeyList = z
  .object({ items: z.array(ProjectSshKey).describe("Every member's keys: what a new server trusts unless it is given others.") })
  .meta({ id: 'ProjectSshKeyList' });
export type ProjectSshKey = z.infer<typeof ProjectSshKey>;
