/**
 * Secure random tokens in the shape Rails' `has_secure_token` makes: 24
 * base58 characters (about 140 bits). Used for access tokens, pubsub tokens,
 * inbox identifiers, HMAC tokens and webhook signing secrets.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { customAlphabet } from 'nanoid';

const BASE58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';

/** A new 24-character base58 token. */
export const secureToken: () => string = customAlphabet(BASE58, 24);

/** A new webhook signing secret in Standard Webhooks form: `whsec_` + base64 of 24 random bytes. */
export const webhookSecret = (): string => `whsec_${randomBytes(24).toString('base64')}`;

/** A new random UUID v4, as Chatwoot generates for API-inbox `source_id`s. */
export const uuid = (): string => randomUUID();
