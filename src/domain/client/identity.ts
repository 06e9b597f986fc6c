/**
 * HMAC identity validation of the Client API (spec/API.md §6): a business
 * proves that a contact is its user `identifier` by sending
 * `identifier_hash`, the hex HMAC-SHA256 of the identifier keyed with the
 * inbox's `hmac_token`. Compared in constant time.
 *
 * Where Chatwoot answers a failed check with a 500, Snypto answers 401 with
 * the reason (IdentityError). A proof also has to name the session's own
 * contact: a valid hash for somebody else's identifier proves nothing about
 * this session and is refused too.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { DomainError } from '../../errors.ts';
import { inputText } from '../input-text.ts';

export const IDENTITY_MESSAGES = {
  missing: 'HMAC failed: identifier_hash is required by this inbox',
  invalid: 'HMAC failed: Invalid Identifier Hash Provided',
  foreign: 'HMAC failed: the identifier is not this contact\'s',
  unverified: 'HMAC failed: this inbox requires a verified identity; send identifier and identifier_hash to the contact endpoints first',
} as const;

/** A refused identity proof (401 on the Client API). */
export class IdentityError extends DomainError {
  override name = 'IdentityError';
  constructor(readonly reason: keyof typeof IDENTITY_MESSAGES) {
    super('UNAUTHENTICATED', IDENTITY_MESSAGES[reason]);
  }
}

/** What a caller sent to prove an identity. */
export interface IdentityProof {
  identifier?: unknown;
  identifierHash?: unknown;
}

/** The channel settings the check needs. */
export interface IdentityChannel {
  hmacToken: string;
  hmacMandatory: boolean;
}

/** The hex HMAC-SHA256 of `identifier` under the inbox's `hmac_token`, as the business computes it. */
export const identifierHash = (hmacToken: string, identifier: string): string =>
  createHmac('sha256', hmacToken).update(identifier).digest('hex');

const isBlank = (value: unknown) => value === undefined || value === null || value === '';

/**
 * Checks a proof: undefined when none is needed and none was sent, else the
 * identifier it proves. Throws IdentityError when the inbox requires a proof
 * and none came, or when the hash does not match (a missing identifier is
 * hashed as "", as Chatwoot does).
 */
export function provenIdentifier(channel: IdentityChannel, proof: IdentityProof): string | undefined {
  if (isBlank(proof.identifierHash)) {
    if (channel.hmacMandatory) throw new IdentityError('missing');
    return undefined;
  }
  const identifier = isBlank(proof.identifier) ? '' : inputText(proof.identifier);
  const expected = Buffer.from(identifierHash(channel.hmacToken, identifier));
  const given = Buffer.from(inputText(proof.identifierHash));
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw new IdentityError('invalid');
  return identifier;
}
