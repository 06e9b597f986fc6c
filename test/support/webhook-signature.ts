/**
 * A receiver's check of a delivery's signatures, written from the
 * definitions rather than from src/webhooks/signature.ts, so that a test
 * using it proves what a third-party receiver would verify.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { ReceivedWebhook } from './webhook-sink.ts';

const equal = (a: string, b: string) => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

/** The `X-Snypto-Signature` the delivery should carry: `sha256=<hex HMAC-SHA256(secret, "timestamp.body")>`. */
export function expectedSnyptoSignature(hook: ReceivedWebhook, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${hook.headers['x-snypto-timestamp']}.${hook.rawBody}`).digest('hex')}`;
}

/**
 * The Standard Webhooks signature entry the delivery should carry:
 * `v1,<base64 HMAC-SHA256(key, "id.timestamp.body")>`, the key being the
 * base64-decoded part of the secret after `whsec_`.
 */
export function expectedStandardSignature(hook: ReceivedWebhook, secret: string): string {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  const signed = `${hook.headers['webhook-id']}.${hook.headers['webhook-timestamp']}.${hook.rawBody}`;
  return `v1,${createHmac('sha256', key).update(signed).digest('base64')}`;
}

/** Whether `X-Snypto-Signature` is the expected one. */
export function snyptoSignatureVerifies(hook: ReceivedWebhook, secret: string): boolean {
  return equal(String(hook.headers['x-snypto-signature']), expectedSnyptoSignature(hook, secret));
}

/** Whether one of the space-separated `webhook-signature` entries is the expected one (Standard Webhooks). */
export function standardSignatureVerifies(hook: ReceivedWebhook, secret: string): boolean {
  const expected = expectedStandardSignature(hook, secret);
  return String(hook.headers['webhook-signature'])
    .split(' ')
    .some((signature) => equal(signature, expected));
}
