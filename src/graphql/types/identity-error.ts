/**
 * IdentityError: a refused identity proof (spec/API.md §6). Opening a
 * contact's session answers with it when the inbox requires a proof and
 * none came, when `identifierHash` does not match, when the proof names
 * another contact's identifier, or when the session never proved one.
 */
import { IdentityError } from '../../domain/client/identity.ts';
import { builder } from '../builder.ts';
import { ErrorInterface } from './errors.ts';

const IdentityErrorReasonEnum = builder.enumType('IdentityErrorReason', {
  description: 'Why an identity proof was refused.',
  values: {
    MISSING: { value: 'missing', description: 'The inbox requires identifierHash and none was sent.' },
    INVALID: { value: 'invalid', description: 'identifierHash is not the HMAC of identifier under the inbox\'s key.' },
    FOREIGN: { value: 'foreign', description: 'The proof is valid but names another contact\'s identifier.' },
    UNVERIFIED: { value: 'unverified', description: 'The inbox requires a verified session and this one never proved an identity.' },
  } as const,
});

builder.objectType(IdentityError, {
  name: 'IdentityError',
  description: 'The contact\'s identity proof (identifier + identifierHash) was missing or refused; code UNAUTHENTICATED.',
  interfaces: [ErrorInterface],
  fields: (t) => ({ reason: t.expose('reason', { type: IdentityErrorReasonEnum }) }),
});
