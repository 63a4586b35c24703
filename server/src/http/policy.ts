import type { FastifyRequest } from 'fastify';
import type { ProjectRole, ProjectRow } from '../db/schema.ts';
import { type Actor, isAdmin, isStaff } from './context.ts';
import { AppError } from './errors.ts';

/**
 * Who may call a route. Every route declares one in `config.policy`; the server refuses to start
 * when a route has none, and a test enumerates the routes to prove it.
 * - public: anyone, signed in or not
 * - user: any signed-in account
 * - staff: admin, reviewer or operator
 * - reviewer / operator: that staff role (admins pass every role)
 * - admin: admins only
 * - project:member: members and owners of the project in the `:project` parameter, and staff
 * - project:owner: owners of that project, and admins
 */
export const POLICIES = ['public', 'user', 'staff', 'reviewer', 'operator', 'admin', 'project:member', 'project:owner'] as const;
export type Policy = (typeof POLICIES)[number];

export type RoutePolicy = { method: string; url: string; policy: Policy };

/**
 * Checked when a route is registered, so a route without a usable policy stops the server from
 * starting instead of failing (or worse, passing) on its first request.
 */
export function checkRoutePolicy(method: string, url: string, policy: unknown): Policy {
  if (policy === undefined) throw new Error(`route ${method} ${url} declares no policy`);
  if (!POLICIES.includes(policy as Policy)) throw new Error(`route ${method} ${url} declares unknown policy ${JSON.stringify(policy)}`);
  if ((policy === 'project:member' || policy === 'project:owner') && !url.split('/').includes(':project')) {
    throw new Error(`route ${method} ${url} has policy ${policy} but no :project parameter`);
  }
  return policy as Policy;
}

export type ProjectAccess = { project: ProjectRow; role: ProjectRole | null };
export type ProjectResolver = (key: string, actor: Actor | null) => Promise<ProjectAccess | undefined>;

export async function enforcePolicy(request: FastifyRequest, policy: Policy, resolveProject: ProjectResolver): Promise<void> {
  if (policy === 'public') return;
  const actor = request.actor;
  if (!actor) throw new AppError('ERR_UNAUTHENTICATED');
  switch (policy) {
    case 'user':
      return;
    case 'staff':
      if (!isStaff(actor)) throw new AppError('ERR_FORBIDDEN', 'Only program staff can do this.');
      return;
    case 'reviewer':
    case 'operator':
      if (!isAdmin(actor) && !actor.roles.includes(policy)) throw new AppError('ERR_FORBIDDEN', `Only ${policy}s can do this.`);
      return;
    case 'admin':
      if (!isAdmin(actor)) throw new AppError('ERR_FORBIDDEN', 'Only admins can do this.');
      return;
    case 'project:member':
    case 'project:owner': {
      const key = (request.params as { project?: string }).project;
      // checkRoutePolicy refused such routes at registration.
      if (key === undefined) throw new Error(`route ${request.routeOptions.url} has policy ${policy} but no :project parameter`);
      const access = await resolveProject(key, actor);
      // Existence of a project you cannot see is itself private: answer exactly as for a missing one.
      const canSee = access !== undefined && (access.role !== null || isStaff(actor));
      if (!access || !canSee) throw new AppError('ERR_NOT_FOUND', 'Project not found.');
      if (policy === 'project:owner' && access.role !== 'owner' && !isAdmin(actor)) {
        throw new AppError('ERR_FORBIDDEN', 'Only the project’s owners can do this.');
      }
      request.projectAccess = access;
      return;
    }
  }
}
