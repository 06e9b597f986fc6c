/**
 * ContactInbox: a contact's session in one inbox (spec/API.md §1.8): its
 * `sourceId` (the contact's credential in the Client API) and
 * `pubsubToken` (their key to real-time updates). Seen by staff who can see
 * the inbox and by the contact whose session it is, never by another
 * contact. `contactSession` gives a contact their own.
 */
import { NotFoundError } from '../../errors.ts';
import { builder } from '../builder.ts';

export const ContactInboxType = builder.prismaNode('ContactInbox', {
  id: { field: 'id' },
  // `node`/`nodes` answer null for an id that names no record, as documented, instead of failing.
  nullable: true,
  authScopes: (contactInbox, context) => context.access.canSeeContactInbox(contactInbox),
  fields: (t) => ({
    databaseId: t.exposeInt('id'),
    sourceId: t.exposeString('sourceId', { description: 'The contact\'s id in this inbox (`source_id`).' }),
    hmacVerified: t.exposeBoolean('hmacVerified'),
    pubsubToken: t.exposeString('pubsubToken', { description: 'Subscribes this session to /cable.' }),
    inbox: t.relation('inbox'),
    contact: t.relation('contact'),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
});

builder.queryField('contactSession', (t) =>
  t.prismaField({
    type: ContactInboxType,
    authScopes: { contact: true },
    description: 'The calling contact\'s own session (contacts only).',
    errors: {},
    resolve: async (query, _root, _args, context) => {
      if (context.principal?.kind !== 'contact') throw new Error('scope-auth lets only contacts reach this field');
      const session = await context.db.contactInbox.findUnique({ ...query, where: { id: context.principal.contactInboxId } });
      if (!session) throw new NotFoundError('ContactInbox');
      return session;
    },
  }),
);
