/**
 * What a webhook may be sent to, defined once for every destination Snypto
 * delivers to: account webhooks' `url` and an API inbox's `webhook_url`
 * (issue 16 item 4), on REST and GraphQL, on create and update. Both
 * services validate with `webhookUrl()` and check with `checkDestination`,
 * so a URL one refuses the other refuses too, each in its own field's words.
 *
 * One difference is Chatwoot's: an API inbox's webhook_url may be a bare
 * host ("webhook.test", CONFORMANCE D-22), which Chatwoot stores as given and
 * posts to as http://webhook.test (RestClient adds the scheme); an account
 * webhook's url needs its scheme (Chatwoot's URI format validation).
 */
import { z } from 'zod';
import { ValidationError } from '../../errors.ts';
import { PrivateDestinationError, type DestinationGuard } from '../../webhooks/destination-guard.ts';
import { LIMITS, humanize } from '../validation.ts';

/** Whitespace and control characters: WHATWG URL parsing would silently drop or encode them, so the stored text would not be the URL used. */
const WHITESPACE_OR_CONTROL = /[\s\u0000-\u001f\u007f]/;

/** A leading URI scheme (RFC 3986 §3.1), `http:`, `file:`, `javascript:`… */
const SCHEME = /^[a-z][a-z0-9+.-]*:/i;

/**
 * Whether `value` is a webhook destination: an absolute http(s) URL with a
 * host and, if one is given, a port from 1 to 65535 (the WHATWG parser,
 * which the sender uses too, refuses larger ports; 0 it accepts, no socket
 * connects to it), with no whitespace or control characters. Every other
 * scheme (`file:`, `javascript:`, `data:`, `ftp:`…) is refused: the sender
 * speaks HTTP only, and a stored URL it cannot send to would only be retried
 * until it fails. Length is checked by `webhookUrl()`.
 */
export function isWebhookUrl(value: string): boolean {
  if (WHITESPACE_OR_CONTROL.test(value) || !URL.canParse(value)) return false;
  const url = new URL(value);
  return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '' && url.port !== '0';
}

/**
 * The URL an API inbox's webhook_url is sent to: the value itself, or, for
 * a value without a scheme ("webhook.test", "10.0.0.1:8080/hook"), that value
 * over http, as Chatwoot's sender reads it. A value with any scheme is left
 * as it is, so `mailto:`, `localhost:3000` or `javascript:` stay what they
 * are and isWebhookUrl refuses them.
 */
export function inboxWebhookTarget(value: string): string {
  return SCHEME.test(value) ? value : `http://${value}`;
}

/**
 * A webhook destination URL (at most LIMITS.url characters); a bad one reads
 * "<Field> is invalid". For an API inbox's webhook_url (`inbox`), a blank
 * string passes too (it removes the webhook_url: the service stores null),
 * and a bare host is read by inboxWebhookTarget.
 */
export const webhookUrl = ({ inbox = false } = {}) =>
  z
    .string()
    .max(LIMITS.url)
    .refine((value) => (inbox ? value.trim() === '' || isWebhookUrl(inboxWebhookTarget(value)) : isWebhookUrl(value)), {
      message: 'is invalid',
    });

/**
 * Refuses, as a validation failure on `field` ("Url is not allowed: …",
 * "Webhook url is not allowed: …"), a destination the guard refuses: a host
 * that is or resolves to a non-public address (SSRF), unless
 * SNYPTO_WEBHOOK_ALLOW_PRIVATE. `url` is the URL that will be sent to (a
 * valid webhookUrl, inboxWebhookTarget for an inbox).
 */
export async function checkDestination(guard: DestinationGuard, field: string, url: string): Promise<void> {
  try {
    await guard.check(url);
  } catch (error) {
    if (error instanceof PrivateDestinationError)
      throw ValidationError.of(field, `${humanize(field)} is not allowed: it resolves to a private address`);
    throw error;
  }
}
