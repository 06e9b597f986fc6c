/**
 * Contact: a customer of the account.
 */
import { builder } from '../builder.ts';

export const ContactType = builder.prismaNode('Contact', {
  id: { field: 'id' },
  authScopes: (contact, context) => context.access.canSeeContact(contact),
  fields: (t) => ({
    databaseId: t.exposeInt('id'),
    name: t.exposeString('name'),
    email: t.exposeString('email', { nullable: true }),
    phoneNumber: t.exposeString('phoneNumber', { nullable: true }),
    identifier: t.exposeString('identifier', { nullable: true }),
    blocked: t.exposeBoolean('blocked'),
    customAttributes: t.expose('customAttributes', { type: 'JSONObject' }),
    additionalAttributes: t.expose('additionalAttributes', { type: 'JSONObject' }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});
