/**
 * Signing of webhook deliveries. Two header sets, both over the exact body:
 * - Standard Webhooks: `webhook-id`, `webhook-timestamp`,
 *   `webhook-signature: v1,<base64 HMAC-SHA256("id.timestamp.body")>` keyed
 *   with the base64-decoded part of the `whsec_` secret;
 * - Chatwoot style: `X-Snypto-Signature: sha256=<hex HMAC-SHA256("timestamp.body")>`
 *   keyed with the whole secret string, `X-Snypto-Timestamp`, `X-Snypto-Delivery`.
 */
import { createHmac } from 'node:crypto';

/** The key bytes of a `whsec_<base64>` secret. */
export function standardWebhooksKey(secret: string): Buffer {
  return Buffer.from(secret.startsWith('whsec_') ? secret.slice('whsec_'.length) : secret, 'base64');
}

export function signatureHeaders(
  secret: string,
  deliveryId: string,
  timestampSeconds: number,
  body: string,
): Record<string, string> {
  const timestamp = String(timestampSeconds);
  const standard = createHmac('sha256', standardWebhooksKey(secret))
    .update(`${deliveryId}.${timestamp}.${body}`)
    .digest('base64');
  const chatwootStyle = createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
  return {
    'webhook-id': deliveryId,
    'webhook-timestamp': timestamp,
    'webhook-signature': `v1,${standard}`,
    'x-snypto-signature': `sha256=${chatwootStyle}`,
    'x-snypto-timestamp': timestamp,
    'x-snypto-delivery': deliveryId,
  };
}
