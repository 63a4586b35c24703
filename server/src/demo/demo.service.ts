import type { Services } from '../app.ts';
import type { Actor } from '../http/context.ts';
import { ProgramPolicy } from '../programs/programs.schemas.ts';

/**
 * The first start on a host with QEMU sets up something to try at once: a lab program, a demo
 * project owned by the admin, and an approved grant for lab machines — so a new user can create a
 * server and SSH into it within minutes. It goes through the same services as a person would.
 */
export async function setUpDemo(services: Services, adminEmail: string, labMachineCount: number): Promise<string | null> {
  const admin = await services.db.selectFrom('users').selectAll().where('email', '=', adminEmail).executeTakeFirst();
  if (!admin) return null;
  if (await services.db.selectFrom('programs').select('id').where('slug', '=', 'lab').executeTakeFirst()) return null;
  const actor: Actor = { userId: admin.id, email: admin.email, name: admin.name, roles: ['admin'], githubLogin: null, via: 'session' };
  const ctx = { actor, requestId: 'first-start-demo' };
  const program = await services.programs.create(ctx, {
    slug: 'lab',
    name: 'Surplus lab',
    description: 'Machines of the lab pool on this host: for trying Surplus, demos and workshops.',
    currency: 'USD',
    budget_cents_per_year: 1_000_000,
    fiscal_year_start_month: 1,
    // The lab program approves small requests by itself: the demo's own request is approved by the
    // system, as any maintainer's would be.
    policy: ProgramPolicy.parse({
      auto_approval: { is_enabled: true, max_monthly_estimate_cents: 100_000, requires_good_standing: false },
    }),
    is_public: true,
  });
  const project = await services.projects.create(ctx, {
    name: 'Demo project',
    slug: 'demo',
    repository_url: 'https://github.com/example/demo',
    license: 'Apache-2.0',
    description: 'Created on the first start so you can try the lab. Delete it when you like.',
    is_public: false,
  });
  const endOn = new Date(Date.now() + 365 * 86_400_000).toISOString().slice(0, 10);
  const request = await services.requests.create(ctx, {
    program: program.slug,
    project: project.slug,
    purpose: 'labs',
    title: 'Try the lab',
    description: 'Servers on the lab pool to try Surplus.',
    resources: [{ plan: 'lab.vm.x86', quantity: labMachineCount, metro: 'lab', operating_system: 'lab_live' }],
    duration: 'fixed',
    end_on: endOn,
    publish_results: '',
    acknowledges_sponsor: true,
    submit: true,
  });
  if (request.state !== 'approved') throw new Error(`the demo request was not auto-approved (${request.state})`);
  return project.slug;
}
