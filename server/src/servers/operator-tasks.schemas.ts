import { z } from 'zod';

export const OperatorTask = z
  .object({
    id: z.string().describe('The step’s key: what `POST /api/v1/machines/tasks/{id}/confirm` takes.'),
    machine: z.object({ id: z.uuid(), hostname: z.string() }),
    server: z
      .object({ id: z.uuid(), hostname: z.string(), state: z.string(), project: z.object({ id: z.uuid(), slug: z.string() }) })
      .nullable()
      .describe('The server whose workflow waits for this step; null when the machine has none.'),
    action: z.string().describe('What the workflow asked for: power:on, power:reset, boot:pxe, …'),
    instruction: z.string().describe('What the operator does by hand.'),
    since: z.string().describe('When the step was filed.'),
  })
  .meta({ id: 'OperatorTask' });
export type OperatorTask = z.infer<typeof OperatorTask>;

export const OperatorTaskList = z.object({ items: z.array(OperatorTask) }).meta({ id: 'OperatorTaskList' });
export type OperatorTaskList = z.infer<typeof OperatorTaskList>;

export const OperatorTaskParam = z.object({ id: z.string().min(1).max(200) });

export const OperatorTaskConfirmBody = z
  .strictObject({ note: z.string().trim().max(1000).optional().describe('What was done, for the timeline and the audit log.') })
  .meta({ id: 'OperatorTaskConfirmBody' });
export type OperatorTaskConfirmBody = z.infer<typeof OperatorTaskConfirmBody>;

export const OperatorTaskConfirmed = z
  .object({
    id: z.string(),
    machine: z.object({ id: z.uuid(), hostname: z.string() }),
    instruction: z.string(),
    confirmed_by: z.string(),
    confirmed_at: z.string(),
    resumed: z.string().nullable().describe('The workflow job enqueued again (server_provision, server_power, …); null when none waits.'),
  })
  .meta({ id: 'OperatorTaskConfirmed' });
export type OperatorTaskConfirmed = z.infer<typeof OperatorTaskConfirmed>;
