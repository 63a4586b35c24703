export type Role = 'admin' | 'reviewer' | 'operator';
export const ROLES = ['admin', 'reviewer', 'operator'] as const;

export type Actor = {
  userId: string;
  email: string;
  name: string;
  roles: Role[];
  githubLogin: string | null;
  via: 'session' | 'token';
};

/** Who is acting and under which request: every service method that changes state takes one. */
export type Ctx = {
  actor: Actor | null;
  requestId: string | null;
};

export const SYSTEM_CTX: Ctx = { actor: null, requestId: null };

export function isAdmin(actor: Actor | null): boolean {
  return actor?.roles.includes('admin') ?? false;
}

export function isStaff(actor: Actor | null): boolean {
  return (actor?.roles.length ?? 0) > 0;
}

export type SignedIn = Ctx & { actor: Actor };

/** Narrows a context whose route policy already required a signed-in caller. */
export function signedIn(ctx: Ctx): SignedIn {
  if (!ctx.actor) throw new Error('route policy let an anonymous caller through');
  return ctx as SignedIn;
}
