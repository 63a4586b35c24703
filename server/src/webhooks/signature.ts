import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * `sha256=` + hex HMAC-SHA256 of the exact body bytes under the webhook's secret: the scheme GitHub
 * uses for X-Hub-Signature-256, so receivers can reuse the verification code they already have.
 */
export function signBody(secret: string, body: string | Buffer): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** What a receiver does; Surplus uses it only in tests and docs, but it belongs beside signBody. */
export function isValidSignature(secret: string, body: string | Buffer, header: string | undefined): boolean {
  if (header === undefined) return false;
  const expected = Buffer.from(signBody(secret, body));
  const given = Buffer.from(header);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
