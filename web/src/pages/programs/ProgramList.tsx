import { type Schemas, unwrap } from '@surplus/api-client';
import { Link } from 'react-router';
import { Badge } from '../../components/Badge.tsx';
import { BudgetBar } from '../../components/BudgetChart.tsx';
import { ButtonLink } from '../../components/Button.tsx';
import { Card } from '../../components/Card.tsx';
import { type Column, DataTable } from '../../components/DataTable.tsx';
import { EmptyState } from '../../components/EmptyState.tsx';
import { Icon } from '../../components/Icon.tsx';
import { Skeleton } from '../../components/Loading.tsx';
import { formatCents } from '../../components/money.ts';
import { PageHeader } from '../../components/PageHeader.tsx';
import { useResource } from '../../hooks/use-resource.ts';
import { useSession } from '../../session.tsx';

type Program = Schemas['Program'];
type Budget = Schemas['Budget'];

/** Staff: every program with its budget at a glance. */
export function ProgramList() {
  const { client, isAdmin } = useSession();
  const programs = useResource('programs', () => unwrap(client.GET('/api/v1/programs')));
  const items = programs.data?.items ?? [];
  const budgets = useResource(`program-budgets:${items.map((p) => p.id).join(',')}`, async () => {
    const entries = await Promise.all(
      items.map(async (program) => {
        const budget = await unwrap(client.GET('/api/v1/programs/{program}/budget', { params: { path: { program: program.id } } }));
        return [program.id, budget] as const;
      }),
    );
    return new Map<string, Budget>(entries);
  });

  const columns: Column<Program>[] = [
    {
      header: 'Program',
      cell: (program) => (
        <div>
          <Link className="cell-title" to={`/programs/${program.slug}`}>
            {program.name}
          </Link>
          <span className="cell-sub mono">{program.slug}</span>
        </div>
      ),
    },
    {
      header: 'Budget / year',
      cell: (program) => formatCents(program.budget_cents_per_year, program.currency),
      className: 'num',
    },
    {
      header: 'Used this fiscal year',
      cell: (program) => {
        const budget = budgets.data?.get(program.id);
        if (!budget) return <Skeleton width={160} />;
        return (
          <div className="budget-cell">
            <BudgetBar budget={budget} label={`${program.name} budget`} />
            <span className="cell-sub">{formatCents(budget.remaining_cents, budget.currency)} remaining</span>
          </div>
        );
      },
    },
    {
      header: 'Intake',
      cell: (program) => (
        <span className="badges">
          <Badge>Web</Badge>
          {program.github_repository ? (
            <Badge title={`Issues in ${program.github_repository}`}>
              <Icon name="github" size={12} />
              {program.github_repository}
            </Badge>
          ) : null}
        </span>
      ),
    },
    { header: 'Staff', cell: (program) => program.staff.length, className: 'num' },
    {
      header: 'Visibility',
      cell: (program) => (program.is_public ? <Badge tone="blue">Public</Badge> : <Badge>Staff only</Badge>),
    },
  ];

  return (
    <>
      <PageHeader
        title="Programs"
        description="Each program has a yearly budget, a policy, staff who review its requests, and its intake channels."
        actions={
          isAdmin ? (
            <ButtonLink to="/programs/new" variant="primary">
              <Icon name="plus" />
              New program
            </ButtonLink>
          ) : null
        }
      />
      <Card isFlush>
        <DataTable
          label="Programs"
          columns={columns}
          rows={items}
          rowKey={(program) => program.id}
          isLoading={programs.isLoading && !programs.data}
          error={programs.error}
          onRetry={programs.reload}
          empty={
            <EmptyState
              icon="layers"
              title="No programs yet"
              actions={
                isAdmin ? (
                  <ButtonLink to="/programs/new" variant="primary">
                    Create a program
                  </ButtonLink>
                ) : null
              }
            >
              A program is what projects apply to: start with one and a modest budget.
            </EmptyState>
          }
        />
      </Card>
    </>
  );
}
