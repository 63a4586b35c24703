import type { AuditService } from '../audit/audit.service.ts';
import type { SecretBox } from '../crypto/secret-box.ts';
import type { Db, Executor } from '../db/database.ts';
import { budgetFigures, fiscalYearOf } from '../grants/budget.ts';
import { type Actor, type Ctx, isAdmin } from '../http/context.ts';
import { fail, invalid, notFound } from '../http/errors.ts';
import { renderMarkdown } from '../projects/markdown.ts';
import type { ProgramFields, ProgramsRepository } from './programs.repository.ts';
import { type Budget, type Program, type ProgramCreateBody, ProgramPolicy, type ProgramUpdateBody } from './programs.schemas.ts';

export type ProgramRow = NonNullable<Awaited<ReturnType<ProgramsRepository['findByKey']>>>;

/** Spent money comes from metering; until that exists, programs have spent nothing. */
export type SpendSource = (programId: string, from: string, to: string) => Promise<number>;

export class ProgramsService {
  private readonly db: Db;
  private readonly programs: ProgramsRepository;
  private readonly audit: AuditService;
  private readonly secrets: SecretBox;
  private readonly spend: SpendSource;

  constructor(db: Db, programs: ProgramsRepository, audit: AuditService, secrets: SecretBox, spend: SpendSource) {
    this.db = db;
    this.programs = programs;
    this.audit = audit;
    this.secrets = secrets;
    this.spend = spend;
  }

  async find(key: string): Promise<ProgramRow> {
    const program = await this.programs.findByKey(this.db, key);
    if (!program) notFound('Program');
    return program;
  }

  /** Everyone signed in sees public programs (to apply to); staff see all. */
  async list(actor: Actor): Promise<Program[]> {
    const rows = await this.programs.list(this.db, { isPublicOnly: actor.roles.length === 0 });
    return this.toPrograms(this.db, rows);
  }

  async get(actor: Actor, key: string): Promise<Program> {
    const program = await this.find(key);
    if (!program.is_public && actor.roles.length === 0) notFound('Program');
    return (await this.toPrograms(this.db, [program]))[0] as Program;
  }

  async create(ctx: Ctx, body: ProgramCreateBody): Promise<Program> {
    return this.db.transaction().execute(async (tx) => {
      if (await this.programs.findByKey(tx, body.slug))
        fail('ERR_SLUG_TAKEN', `slug: "${body.slug}" is already taken`, [{ field: 'slug', message: 'is already taken' }]);
      if (body.github_repository && (await this.programs.findByGithubRepository(tx, body.github_repository))) {
        invalid('github_repository', 'is already the intake repository of another program');
      }
      const row = await this.programs.insert(tx, {
        slug: body.slug,
        name: body.name,
        description_md: body.description,
        currency: body.currency,
        budget_cents_per_year: body.budget_cents_per_year,
        fiscal_year_start_month: body.fiscal_year_start_month,
        policy: JSON.stringify(body.policy),
        github_repository: body.github_repository ?? null,
        github_secret_encrypted: null,
        is_public: body.is_public,
      });
      const program = body.github_secret
        ? await this.programs.update(tx, row.id, {
            github_secret_encrypted: this.secrets.seal(body.github_secret, githubSecretContext(row.id)),
          })
        : row;
      await this.audit.record(tx, ctx, {
        action: 'program.created',
        targetType: 'program',
        targetId: program.id,
        summary: {
          slug: body.slug,
          name: body.name,
          budget_cents_per_year: body.budget_cents_per_year,
          github_repository: body.github_repository ?? null,
        },
      });
      return (await this.toPrograms(tx, [program]))[0] as Program;
    });
  }

  async update(ctx: Ctx & { actor: Actor }, key: string, body: ProgramUpdateBody): Promise<Program> {
    return this.db.transaction().execute(async (tx) => {
      const before = await this.find(key);
      await this.assertLead(tx, before.id, ctx.actor);
      const patch: Partial<ProgramFields> = {};
      if (body.name !== undefined) patch.name = body.name;
      if (body.description !== undefined) patch.description_md = body.description;
      if (body.budget_cents_per_year !== undefined) patch.budget_cents_per_year = body.budget_cents_per_year;
      if (body.fiscal_year_start_month !== undefined) patch.fiscal_year_start_month = body.fiscal_year_start_month;
      if (body.policy !== undefined) patch.policy = JSON.stringify(body.policy);
      if (body.is_public !== undefined) patch.is_public = body.is_public;
      if (body.github_repository !== undefined) {
        if (body.github_repository) {
          const other = await this.programs.findByGithubRepository(tx, body.github_repository);
          if (other && other.id !== before.id) invalid('github_repository', 'is already the intake repository of another program');
          if (!body.github_secret && !before.github_secret_encrypted) invalid('github_secret', 'is required with github_repository');
        }
        patch.github_repository = body.github_repository;
      }
      if (body.github_secret !== undefined)
        patch.github_secret_encrypted = this.secrets.seal(body.github_secret, githubSecretContext(before.id));
      const after = await this.programs.update(tx, before.id, patch);
      const { github_secret_encrypted: _secret, ...visible } = patch;
      await this.audit.record(tx, ctx, {
        action: 'program.updated',
        targetType: 'program',
        targetId: before.id,
        summary: {
          ...visible,
          ...(body.policy ? { policy: body.policy } : {}),
          ...(body.github_secret ? { github_secret: 'changed' } : {}),
        },
      });
      return (await this.toPrograms(tx, [after]))[0] as Program;
    });
  }

  async setStaff(ctx: Ctx & { actor: Actor }, key: string, userId: string, role: 'lead' | 'reviewer') {
    await this.db.transaction().execute(async (tx) => {
      const program = await this.find(key);
      await this.assertLead(tx, program.id, ctx.actor);
      const user = await tx.selectFrom('users').select(['id', 'roles']).where('id', '=', userId).executeTakeFirst();
      if (!user) invalid('user_id', 'is not a user');
      if (!user.roles.includes('reviewer') && !user.roles.includes('admin')) {
        invalid('user_id', 'must have the reviewer role first (an admin grants it under Admin → Users)');
      }
      await this.programs.setStaff(tx, program.id, userId, role);
      await this.audit.record(tx, ctx, {
        action: 'program.staff_set',
        targetType: 'program',
        targetId: program.id,
        summary: { user_id: userId, role },
      });
    });
    return this.get(ctx.actor, key);
  }

  async removeStaff(ctx: Ctx & { actor: Actor }, key: string, userId: string) {
    await this.db.transaction().execute(async (tx) => {
      const program = await this.find(key);
      await this.assertLead(tx, program.id, ctx.actor);
      if (!(await this.programs.removeStaff(tx, program.id, userId))) notFound('Staff member');
      await this.audit.record(tx, ctx, {
        action: 'program.staff_removed',
        targetType: 'program',
        targetId: program.id,
        summary: { user_id: userId },
      });
    });
    return this.get(ctx.actor, key);
  }

  async budget(key: string, today = new Date().toISOString().slice(0, 10)): Promise<Budget> {
    const program = await this.find(key);
    return this.budgetOf(this.db, program, today);
  }

  async budgetOf(db: Executor, program: ProgramRow, today: string): Promise<Budget> {
    const year = fiscalYearOf(today, program.fiscal_year_start_month);
    const grants = await this.programs.committingGrants(db, program.id);
    const spent = await this.spend(program.id, year.startsOn, year.endsOn);
    const figures = budgetFigures(
      Number(program.budget_cents_per_year),
      grants.map((grant) => ({
        monthlyCreditCents: Number(grant.monthly_credit_cents),
        startsOn: grant.starts_on,
        endsOn: grant.ends_on,
        reviewOn: grant.review_on,
      })),
      spent,
      today,
      year,
    );
    return {
      fiscal_year: { starts_on: year.startsOn, ends_on: year.endsOn },
      currency: program.currency,
      budget_cents: figures.budgetCents,
      committed_cents: figures.committedCents,
      spent_cents: figures.spentCents,
      remaining_cents: figures.remainingCents,
    };
  }

  policyOf(program: ProgramRow): ProgramPolicy {
    return ProgramPolicy.parse(program.policy);
  }

  githubSecret(program: ProgramRow): string | null {
    return program.github_secret_encrypted ? this.secrets.open(program.github_secret_encrypted, githubSecretContext(program.id)) : null;
  }

  /** Admins and the program's leads manage a program. */
  private async assertLead(db: Executor, programId: string, actor: Actor) {
    if (isAdmin(actor)) return;
    if ((await this.programs.staffRole(db, programId, actor.userId)) !== 'lead')
      fail('ERR_FORBIDDEN', 'Only admins and the program’s leads can change it.');
  }

  private async toPrograms(db: Executor, rows: ProgramRow[]): Promise<Program[]> {
    const staff = await this.programs.listStaff(
      db,
      rows.map((row) => row.id),
    );
    return rows.map((row) => ({
      id: row.id,
      slug: row.slug,
      name: row.name,
      description: row.description_md,
      description_html: renderMarkdown(row.description_md),
      currency: row.currency,
      budget_cents_per_year: Number(row.budget_cents_per_year),
      fiscal_year_start_month: row.fiscal_year_start_month,
      policy: ProgramPolicy.parse(row.policy),
      github_repository: row.github_repository,
      has_github_secret: row.github_secret_encrypted !== null,
      is_public: row.is_public,
      staff: staff
        .filter((member) => member.program_id === row.id)
        .map((member) => ({ user: { id: member.id, name: member.name, email: member.email }, role: member.role })),
      created_at: row.created_at.toISOString(),
    }));
  }
}

function githubSecretContext(programId: string) {
  return `program:${programId}:github-webhook`;
}
