/**
 * Opening a contact's session over GraphQL (spec/API.md §5.2, §6), the
 * counterpart of REST `POST /public/api/v1/inboxes/{inbox_identifier}/contacts`.
 * Needs no credentials: it hands out the credentials a customer-facing
 * client then presents (X-Inbox-Identifier + X-Contact-Identifier, or
 * X-Pubsub-Token; the same in the graphql-ws payload). It answers with
 * those credentials and the contact's public fields, never with the
 * ContactInbox node, which an anonymous caller may not see.
 */
import type { Contact, ContactInbox } from '../../generated/prisma/client.ts';
import { IdentityError } from '../../domain/client/identity.ts';
import { builder } from '../builder.ts';
import '../types/identity-error.ts';

/** A session's credentials with its contact, as openContactSession returns them. */
interface SessionCredentials {
  inboxIdentifier: string;
  contact: Contact;
  contactInbox: ContactInbox;
}

const PublicContactType = builder.objectRef<Contact>('PublicContact').implement({
  description: 'The public fields of the session\'s contact.',
  fields: (t) => ({
    databaseId: t.exposeInt('id', { description: 'The contact\'s numeric id (the REST `id`).' }),
    name: t.exposeString('name'),
    email: t.exposeString('email', { nullable: true }),
    phoneNumber: t.exposeString('phoneNumber', { nullable: true, description: 'E.164, with a leading +.' }),
  }),
});

const ContactSessionCredentialsType = builder.objectRef<SessionCredentials>('ContactSessionCredentials').implement({
  description:
    'A contact\'s session: present inboxIdentifier + sourceId (X-Inbox-Identifier + X-Contact-Identifier) or pubsubToken ' +
    '(X-Pubsub-Token) to act as the contact.',
  fields: (t) => ({
    inboxIdentifier: t.exposeString('inboxIdentifier'),
    sourceId: t.string({
      description: 'The contact\'s id in this inbox (`source_id`, X-Contact-Identifier).',
      resolve: (session) => session.contactInbox.sourceId,
    }),
    pubsubToken: t.string({
      description: 'The session\'s real-time key (X-Pubsub-Token, /cable).',
      resolve: (session) => session.contactInbox.pubsubToken,
    }),
    hmacVerified: t.boolean({
      description: 'The session proved the contact\'s identity: it reaches all of the contact\'s conversations in the account.',
      resolve: (session) => session.contactInbox.hmacVerified,
    }),
    contact: t.field({ type: PublicContactType, resolve: (session) => session.contact }),
  }),
});

const OpenContactSessionInput = builder.inputType('OpenContactSessionInput', {
  fields: (t) => ({
    inboxIdentifier: t.string({ required: true, description: 'The API inbox\'s identifier (PublicInbox.identifier).' }),
    sourceId: t.string({ description: 'The contact\'s id in this inbox; an existing one re-opens that session, none creates a UUID.' }),
    identifier: t.string({ description: 'The business\'s own id for the contact; a new session re-uses the contact who has it.' }),
    identifierHash: t.string({
      description: 'Hex HMAC-SHA256 of identifier under the inbox\'s hmacToken: proves the contact\'s identity.',
    }),
    name: t.string({ description: 'A new contact without one is named "adjective-noun-NNN".' }),
    email: t.string(),
    phoneNumber: t.string({ description: 'E.164, with a leading +.' }),
    avatarUrl: t.string(),
    customAttributes: t.field({ type: 'JSONObject' }),
  }),
});

builder.mutationField('openContactSession', (t) =>
  t.field({
    type: ContactSessionCredentialsType,
    description:
      'Opens a contact\'s session in an API inbox; no credentials needed. An existing sourceId returns that session ' +
      'unchanged; otherwise the contact is found by identifier, then email, then phone number, or created. ' +
      'Sending identifier + identifierHash (the HMAC of identifier under the inbox\'s key) marks the session verified: ' +
      'this is how a GraphQL client proves identity, also for an existing session (send its sourceId with the proof). ' +
      'A verified session reaches every conversation of the contact in the account. IdentityError when the proof is ' +
      'missing (the inbox requires one), does not match, or names another contact.',
    errors: { types: [IdentityError] },
    args: { input: t.arg({ type: OpenContactSessionInput, required: true }) },
    resolve: async (_root, { input }, context) => {
      const { inboxIdentifier, identifierHash, customAttributes, ...attributes } = input;
      const opened = await context.services.clientSessions.open(
        inboxIdentifier,
        { ...attributes, customAttributes: customAttributes ?? undefined },
        {
          identifier: attributes.identifier,
          identifierHash,
        },
      );
      return { inboxIdentifier, ...opened };
    },
  }),
);
