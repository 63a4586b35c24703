import { type Schemas, unwrap } from '@surplus/api-client';
import { Link } from 'react-router';
import { Badge } from '../../components/Badge.tsx';
import { ErrorBanner } from '../../components/Banner.tsx';
import { Button, ButtonLink } from '../../components/Button.tsx';
import { Card } from '../../components/Card.tsx';
import { type Column, DataTable } from '../../components/DataTable.tsx';
import { EmptyState } from '../../components/EmptyState.tsx';
import { Icon } from '../../components/Icon.tsx';
import { PageHeader } from '../../components/PageHeader.tsx';
import { Time } from '../../components/Time.tsx';
import { useToast } from '../../components/Toast.tsx';
import { useAction } from '../../hooks/use-action.ts';
import { usePoll } from '../../hooks/use-poll.ts';
import { useResource } from '../../hooks/use-resource.ts';
import { useSession } from '../../session.tsx';
import { ServerStateBadge } from '../servers/server-states.tsx';

type OperatorTask = Schemas['OperatorTask'];

/** The number of steps waiting for an operator, as a badge (nothing when none). */
export function OperatorTaskCount({ count }: { count: number | undefined }) {
  if (!count) return null;
  return (
    <Badge tone="yellow" title={`${count} step${count === 1 ? '' : 's'} waiting for an operator`}>
      <span data-testid="operator-task-count">{count}</span>
    </Badge>
  );
}

/**
 * Operators' to-do list: steps the manual provider filed for machines without a usable BMC (power a
 * machine on, pick the network boot at POST). Confirming one lets the waiting server's workflow go on.
 */
export function OperatorTasks() {
  const { client } = useSession();
  const toast = useToast();
  const tasks = useResource('operator-tasks', () => unwrap(client.GET('/api/v1/machines/tasks')));
  // New steps appear as workflows reach them; the list follows without a reload.
  usePoll(
    true,
    async () => {
      const next = await unwrap(client.GET('/api/v1/machines/tasks'));
      tasks.setData(() => next);
    },
    5_000,
  );
  const confirm = useAction(async (task: OperatorTask) => {
    const confirmed = await unwrap(client.POST('/api/v1/machines/tasks/{id}/confirm', { params: { path: { id: task.id } }, body: {} }));
    tasks.setData((current) => current && { items: current.items.filter((item) => item.id !== task.id) });
    toast.success(`Confirmed on ${confirmed.machine.hostname}${task.server ? `: ${task.server.hostname} goes on` : ''}.`);
    return confirmed;
  });

  const columns: Column<OperatorTask>[] = [
    {
      header: 'Step',
      cell: (task) => (
        <div>
          <span className="cell-title">{task.instruction}</span>
          <span className="cell-sub mono">{task.action}</span>
        </div>
      ),
    },
    {
      header: 'Machine',
      cell: (task) => <Link to={`/inventory/machines/${task.machine.id}`}>{task.machine.hostname}</Link>,
    },
    {
      header: 'Server',
      cell: (task) =>
        task.server ? (
          <div>
            <Link to={`/servers/${task.server.id}`}>{task.server.hostname}</Link>{' '}
            <ServerStateBadge state={task.server.state as Schemas['ServerState']} />
            <span className="cell-sub">{task.server.project.slug}</span>
          </div>
        ) : (
          <span className="muted">—</span>
        ),
    },
    { header: 'Waiting since', cell: (task) => <Time iso={task.since} /> },
    {
      header: '',
      cell: (task) => (
        <Button
          variant="primary"
          size="sm"
          isLoading={confirm.isRunning}
          onClick={() => confirm.run(task)}
          aria-label={`Confirm on ${task.machine.hostname}: ${task.instruction}`}
        >
          <Icon name="check" />
          Confirm done
        </Button>
      ),
    },
  ];

  return (
    <>
      <PageHeader
        title={
          <>
            Operator tasks <OperatorTaskCount count={tasks.data?.items.length} />
          </>
        }
        description="Steps on machines without a usable BMC (the manual provider): do each by hand, then confirm it so the server's workflow goes on."
        actions={<ButtonLink to="/inventory">Inventory</ButtonLink>}
      />
      {confirm.bannerError ? <ErrorBanner error={confirm.bannerError} title="The step was not confirmed" onRetry={tasks.reload} /> : null}
      <Card isFlush>
        <DataTable
          label="Operator tasks"
          columns={columns}
          rows={tasks.data?.items ?? []}
          rowKey={(task) => task.id}
          isLoading={tasks.isLoading && !tasks.data}
          error={tasks.error}
          onRetry={tasks.reload}
          empty={
            <EmptyState icon="check" title="Nothing to do by hand">
              Steps appear here when a server's workflow reaches a power or boot step on a machine with the manual provider.
            </EmptyState>
          }
        />
      </Card>
    </>
  );
}
