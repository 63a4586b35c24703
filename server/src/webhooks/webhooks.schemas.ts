import { z } from 'zod';
import { PageQuery, pageOf } from '../http/pagination.ts';
import { ProgramParam } from '../programs/programs.schemas.ts';
import { WEBHOOK_EVENTS } from './webhook-events.ts';

export const WebhookEventName = z.enum(WEBHOOK_EVENTS).meta({ id: 'WebhookEvent' });

const WebhookUrl = z
  .string()
  .trim()
  .max(2000)
  .refine((value) => {
    try {
      const url = new URL(value);
      return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
    } catch {
      return false;
    }
  }, 'must be an http(s) URL')
  // Credentials in the URL would be shown in lists and audit summaries; the signature is the credential.
  .refine((value) => !URL.canParse(value) || (new URL(value).username === '' && new URL(value).password === ''), {
    message: 'must not contain a user name or password; verify the X-Surplus-Signature-256 header instead',
  });

export const WebhookCreateBody = z
  .strictObject({
    url: WebhookUrl.describe('Where Surplus POSTs events (http or https).'),
    events: z
      .array(WebhookEventName)
      .min(1)
      .max(WEBHOOK_EVENTS.length)
      .default([...WEBHOOK_EVENTS])
      .describe('Events to send; every event when left out.'),
  })
  .meta({ id: 'WebhookCreateBody' });
export type WebhookCreateBody = z.infer<typeof WebhookCreateBody>;

export const Webhook = z
  .object({
    id: z.uuid(),
    url: z.string(),
    events: z.array(WebhookEventName),
    is_active: z.boolean(),
    created_at: z.string(),
  })
  .meta({ id: 'Webhook' });
export type Webhook = z.infer<typeof Webhook>;

export const WebhookList = z.object({ items: z.array(Webhook) }).meta({ id: 'WebhookList' });

export const WebhookCreated = z
  .object({
    webhook: Webhook,
    secret: z.string().describe('Signs every delivery (X-Surplus-Signature-256). Shown only now: store it with the receiver.'),
  })
  .meta({ id: 'WebhookCreated' });

export const WebhookParam = ProgramParam.extend({ id: z.uuid() });

export const WebhookDelivery = z
  .object({
    id: z.uuid().describe('Also the X-Surplus-Delivery header and the body’s id.'),
    event: z.string(),
    state: z.enum(['pending', 'delivered', 'failed']).describe('pending while retries remain; failed once Surplus gave up.'),
    status_code: z.number().int().nullable().describe('The receiver’s last HTTP status; null when it did not answer.'),
    error: z.string().nullable().describe('Why the last attempt failed.'),
    attempts: z.number().int(),
    payload: z.record(z.string(), z.unknown()).describe('The JSON body sent.'),
    created_at: z.string(),
    delivered_at: z.string().nullable(),
  })
  .meta({ id: 'WebhookDelivery' });
export type WebhookDelivery = z.infer<typeof WebhookDelivery>;

export const WebhookDeliveryPage = pageOf(WebhookDelivery).meta({ id: 'WebhookDeliveryPage' });
export const WebhookDeliveryQuery = PageQuery;
