import { signedIn } from '../http/context.ts';
import type { App } from '../http/server.ts';
import { OperatorTaskConfirmBody, OperatorTaskConfirmed, OperatorTaskList, OperatorTaskParam } from './operator-tasks.schemas.ts';
import type { OperatorTasksService } from './operator-tasks.service.ts';

/** Steps filed for operators by the manual provider: the to-do list and its confirmation. */
export function operatorTasksRoutes(app: App, { tasks }: { tasks: OperatorTasksService }) {
  const tags = ['inventory'];
  const config = { policy: 'operator' as const };
  app.get(
    '/api/v1/machines/tasks',
    { config, schema: { tags, operationId: 'listOperatorTasks', response: { 200: OperatorTaskList } } },
    async () => ({ items: await tasks.list() }),
  );
  app.post(
    '/api/v1/machines/tasks/:id/confirm',
    {
      config,
      schema: {
        tags,
        operationId: 'confirmOperatorTask',
        params: OperatorTaskParam,
        body: OperatorTaskConfirmBody,
        response: { 200: OperatorTaskConfirmed },
      },
    },
    async (request) => tasks.confirm(signedIn(request.ctx), request.params.id, request.body.note ?? null),
  );
}
