import { createHmac, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type { App } from '../http/server.ts';
import type { IntakeService } from './intake.service.ts';

/** The most a delivery may carry; GitHub caps payloads at 25 MB, but an issue event is a few kB. */
export const WEBHOOK_BODY_LIMIT_BYTES = 1024 * 1024;

const SIGNATURE = /^sha256=([0-9a-f]{64})$/i;

/** `sha256=` + the hex HMAC-SHA256 of the exact body: what GitHub sends in X-Hub-Signature-256. */
export function signatureOf(secret: string, raw: Buffer): string {
  return `sha256=${createHmac('sha256', secret).update(raw).digest('hex')}`;
}

/** Compares in constant time, so the answer's timing says nothing about how much of a guess was right. */
export function isValidSignature(secret: string, raw: Buffer, header: string): boolean {
  const match = SIGNATURE.exec(header.trim());
  if (!match) return false;
  const given = Buffer.from(match[1] as string, 'hex');
  const expected = createHmac('sha256', secret).update(raw).digest();
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/**
 * `POST /hooks/github`: one URL for every program's repository; a delivery is routed by the
 * repository it names. The route is public because the signature is its authentication: a delivery
 * is trusted only once its HMAC matches the secret of the program that repository belongs to.
 */
export function githubWebhookRoutes(app: App, { intake }: { intake: IntakeService }) {
  // An encapsulated scope: its body parser keeps the raw bytes (the signature covers them exactly)
  // and applies to this route alone.
  app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: WEBHOOK_BODY_LIMIT_BYTES }, (_request, body, done) => done(null, body));
    scope.post(
      '/hooks/github',
      { config: { policy: 'public' }, bodyLimit: WEBHOOK_BODY_LIMIT_BYTES, schema: { hide: true } },
      async (request, reply) => {
        const result = await intake.receive(request.ctx, {
          event: header(request, 'x-github-event'),
          deliveryId: header(request, 'x-github-delivery'),
          signature: header(request, 'x-hub-signature-256'),
          contentType: header(request, 'content-type'),
          raw: Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0),
        });
        return reply.status(200).send(result);
      },
    );
  });
}

function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}
