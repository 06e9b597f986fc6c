/**
 * Contact: a customer of the account (spec/API.md §2.1), seen by the
 * account's staff and by the contact themselves. `Account.contacts` lists
 * and searches them (§3.4), for users only, as Chatwoot refuses bots there.
 */
import { PothosValidationError } from '@pothos/core';
import { queryFromInfo } from '@pothos/plugin-prisma';
import { resolveOffsetConnection } from '@pothos/plugin-relay';
import type { Context } from '../../context.ts';
import type { ContactSortField } from '../../domain/contacts/search.ts';
import { ValidationError } from '../../errors.ts';
import type { Prisma } from '../../generated/prisma/client.ts';
import { builder } from '../builder.ts';
import { actorInAccount } from '../ids.ts';

export const ContactTypeEnum = builder.enumType('ContactType', {
  values: { VISITOR: { value: 'visitor' }, LEAD: { value: 'lead' }, CUSTOMER: { value: 'customer' } } as const,
});

const SORTS: Record<string, { sortBy: ContactSortField; sortDirection: 'asc' | 'desc' }> = {
  NAME_ASC: { sortBy: 'name', sortDirection: 'asc' },
  NAME_DESC: { sortBy: 'name', sortDirection: 'desc' },
  EMAIL_ASC: { sortBy: 'email', sortDirection: 'asc' },
  EMAIL_DESC: { sortBy: 'email', sortDirection: 'desc' },
  PHONE_NUMBER_ASC: { sortBy: 'phoneNumber', sortDirection: 'asc' },
  PHONE_NUMBER_DESC: { sortBy: 'phoneNumber', sortDirection: 'desc' },
  LAST_ACTIVITY_AT_ASC: { sortBy: 'lastActivityAt', sortDirection: 'asc' },
  LAST_ACTIVITY_AT_DESC: { sortBy: 'lastActivityAt', sortDirection: 'desc' },
  CREATED_AT_ASC: { sortBy: 'createdAt', sortDirection: 'asc' },
  CREATED_AT_DESC: { sortBy: 'createdAt', sortDirection: 'desc' },
};

export const ContactSortEnum = builder.enumType('ContactSort', {
  description: 'Order of a contact list: names compare lower-cased; contacts without activity come last. Ties by id.',
  values: Object.keys(SORTS),
});

/**
 * The contact inboxes the caller may see, as a filter: a contact only their
 * own session; an agent those of the inboxes they are a member of, unless
 * they administer the account; an agent bot all of them.
 */
function visibleContactInboxes(context: Context): Prisma.ContactInboxWhereInput {
  const viewer = context.principal;
  // A session proven by HMAC is the contact: it sees the contact's other sessions too (Visibility.canSeeContactInbox).
  if (viewer?.kind === 'contact') return viewer.hmacVerified ? { contactId: viewer.contactId } : { id: viewer.contactInboxId };
  if (viewer?.kind === 'agentBot') return {};
  if (viewer?.kind === 'user')
    return {
      OR: [
        { inbox: { members: { some: { userId: viewer.userId } } } },
        { account: { accountUsers: { some: { userId: viewer.userId, role: 'administrator' } } } },
      ],
    };
  return { id: -1 };
}

export const ContactType = builder.prismaNode('Contact', {
  id: { field: 'id' },
  // `node`/`nodes` answer null for an id that names no record, as documented, instead of failing.
  nullable: true,
  authScopes: (contact, context) => context.access.canSeeContact(contact),
  fields: (t) => ({
    databaseId: t.exposeInt('id', { description: 'The numeric id used by the REST API.' }),
    name: t.exposeString('name'),
    email: t.exposeString('email', { nullable: true }),
    phoneNumber: t.exposeString('phoneNumber', { nullable: true, description: 'E.164, with a leading +.' }),
    identifier: t.exposeString('identifier', { nullable: true, description: 'The business\'s own id for this contact.' }),
    avatarUrl: t.exposeString('avatarUrl', { nullable: true }),
    blocked: t.exposeBoolean('blocked'),
    contactType: t.expose('contactType', { type: ContactTypeEnum }),
    labels: t.exposeStringList('labels'),
    customAttributes: t.expose('customAttributes', { type: 'JSONObject' }),
    additionalAttributes: t.expose('additionalAttributes', { type: 'JSONObject' }),
    lastActivityAt: t.expose('lastActivityAt', { type: 'DateTime', nullable: true }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
    contactInboxes: t.relation('contactInboxes', {
      description: 'The contact\'s sessions in the inboxes the caller may see, oldest first.',
      query: (_args, context) => ({ where: visibleContactInboxes(context), orderBy: { id: 'asc' } }),
    }),
  }),
});

builder.prismaObjectField('Account', 'contacts', (t) =>
  t.connection(
    {
      type: ContactType,
      authScopes: { user: true },
      description: 'The account\'s contacts: optionally searched, filtered by labels and sorted (most recent activity first by default).',
      args: {
        search: t.arg.string({ description: 'Text found in the name, email or phone number (any case), or the identifier.' }),
        labels: t.arg.stringList({ description: 'Only contacts having every one of these labels.' }),
        sortBy: t.arg({ type: ContactSortEnum }),
      },
      resolve: async (account, args, context, info) => {
        const actor = await actorInAccount(context, account.id);
        const query = queryFromInfo({ context, info, typeName: 'Contact', path: ['edges', 'node'] });
        const filters = { query: args.search, labels: args.labels, ...(args.sortBy ? SORTS[args.sortBy] : {}) };
        let totalCount = 0;
        try {
          const connection = await resolveOffsetConnection({ args }, async (page) => {
            const found = await context.services.contacts.search(actor, filters, page, query);
            totalCount = found.totalCount;
            return found.contacts;
          });
          return { ...connection, totalCount };
        } catch (error) {
          if (error instanceof PothosValidationError)
            throw ValidationError.of(/"(first|last)"/.exec(error.message)?.[1] ?? (args.before ? 'before' : 'after'), error.message);
          throw error;
        }
      },
    },
    {
      name: 'AccountContactsConnection',
      fields: (c) => ({
        totalCount: c.int({
          description: 'How many contacts match, over all pages.',
          resolve: (connection) => (connection as unknown as { totalCount: number }).totalCount,
        }),
      }),
    },
    { name: 'AccountContactsConnectionEdge' },
  ),
);
