/**
 * A receiver's check of a delivery's signatures, written from the
 * definitions rather than from src/webhooks/signature.ts, so that a test
 * using it proves what a third-party receiver would verify.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { ReceivedWebhook } from './webhook-sink.ts';

const equal = (a: string, b: string) => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

/** Whether `X-Snypto-Signature` is `sha256=<hex HMAC-SHA256(secret, "timestamp.body")>`. */
export function snyptoSignatureVerifies(hook: ReceivedWebhook, secret: string): boolean {
  const expected = createHmac('sha256', secret).update(`${hook.headers['x-snypto-timestamp']}.${hook.rawBody}`).digest('hex');
  return equal(String(hook.headers['x-snypto-signature']), `sha256=${expected}`);
}

/** Whether one `webhook-signature` entry is `v1,<base64 HMAC-SHA256(key of whsec_…, "id.timestamp.body")>` (Standard Webhooks). */
export function standardSignatureVerifies(hook: ReceivedWebhook, secret: string): boolean {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  const signed = `${hook.headers['webhook-id']}.${hook.headers['webhook-timestamp']}.${hook.rawBody}`;
  const expected = `v1,${createHmac('sha256', key).update(signed).digest('base64')}`;
  return String(hook.headers['webhook-signature'])
    .split(' ')
    .some((signature) => equal(signature, expected));
}
