/**
 * Mutations on contacts and contact inboxes (spec/API.md §3.4), each a thin
 * call into ContactService; users only, as Chatwoot refuses agent bots on
 * every contacts endpoint. `updateMyContact` is the contact's own update of
 * themselves (the Client API's `PATCH /contacts/{contact_identifier}`, §5.2).
 */
import type { Context } from '../../context.ts';
import { builder } from '../builder.ts';
import { actorForAccount, databaseIdOf, locate, optionalDatabaseIdOf } from '../ids.ts';

type Types = typeof builder extends PothosSchemaTypes.SchemaBuilder<infer T> ? T : never;
type Fields = PothosSchemaTypes.InputFieldBuilder<Types, 'InputObject'>;

/** The contact attributes staff set on create and update: a null clears the value. */
const attributeFields = (t: Fields) => ({
  name: t.string(),
  email: t.string(),
  phoneNumber: t.string({ description: 'E.164, with a leading +.' }),
  identifier: t.string(),
  avatarUrl: t.string(),
  blocked: t.boolean(),
  additionalAttributes: t.field({ type: 'JSONObject', description: 'Merged into the existing attributes on update.' }),
  customAttributes: t.field({ type: 'JSONObject', description: 'Merged into the existing attributes on update.' }),
});

type Attributes = { [K in keyof ReturnType<typeof attributeFields>]?: unknown };
/** The attributes for the service; GraphQL nulls of non-clearable values mean "not given". */
const attributesOf = ({ name, email, phoneNumber, identifier, avatarUrl, blocked, additionalAttributes, customAttributes }: Attributes) => ({
  name,
  email,
  phoneNumber,
  identifier,
  avatarUrl,
  blocked: blocked ?? undefined,
  additionalAttributes: additionalAttributes ?? undefined,
  customAttributes: customAttributes ?? undefined,
});

const CreateContactInput = builder.inputType('CreateContactInput', {
  fields: (t) => ({
    accountId: t.id({ required: true }),
    ...attributeFields(t),
    inboxId: t.id({ description: 'Also creates the contact\'s session in this inbox.' }),
    sourceId: t.string({ description: 'The session\'s source_id with inboxId; a new UUID when absent.' }),
  }),
});

const UpdateContactInput = builder.inputType('UpdateContactInput', {
  fields: (t) => ({ id: t.id({ required: true }), ...attributeFields(t) }),
});

const DeleteContactInput = builder.inputType('DeleteContactInput', {
  fields: (t) => ({ id: t.id({ required: true }) }),
});

const SetContactLabelsInput = builder.inputType('SetContactLabelsInput', {
  fields: (t) => ({
    id: t.id({ required: true }),
    labels: t.stringList({ required: true, description: 'The new set: trimmed, blanks and duplicates dropped.' }),
  }),
});

const RemoveContactCustomAttributesInput = builder.inputType('RemoveContactCustomAttributesInput', {
  fields: (t) => ({ id: t.id({ required: true }), keys: t.stringList({ required: true }) }),
});

const CreateContactInboxInput = builder.inputType('CreateContactInboxInput', {
  fields: (t) => ({
    contactId: t.id({ required: true }),
    inboxId: t.id({ required: true }),
    sourceId: t.string({ description: 'A new UUID when absent; the same contact and sourceId return the existing session.' }),
    hmacVerified: t.boolean({ description: 'Marks the session as identity-verified (trusted from staff).' }),
  }),
});

const UpdateMyContactInput = builder.inputType('UpdateMyContactInput', {
  description: 'Blank values are ignored. Giving the email (or phone number) of another contact of the account merges you into that contact.',
  fields: (t) => ({
    name: t.string(),
    email: t.string(),
    phoneNumber: t.string(),
    avatarUrl: t.string(),
    customAttributes: t.field({ type: 'JSONObject', description: 'Deep-merged into the existing attributes.' }),
  }),
});

/** Re-loads a contact with the caller's selection. */
const reloadContact = (context: Context, query: object, id: number) =>
  context.db.contact.findUniqueOrThrow({ ...query, where: { id } });

builder.mutationField('createContact', (t) =>
  t.prismaField({
    type: 'Contact',
    authScopes: { user: true },
    description: 'Creates a contact; with inboxId also their session in that inbox.',
    errors: {},
    args: { input: t.arg({ type: CreateContactInput, required: true }) },
    resolve: async (query, _root, { input }, context) => {
      const actor = await actorForAccount(context, input.accountId);
      const { contact } = await context.services.contacts.create(actor, {
        ...attributesOf(input),
        inboxId: optionalDatabaseIdOf('Inbox', input.inboxId, 'inboxId'),
        sourceId: input.sourceId ?? undefined,
      });
      return reloadContact(context, query, contact.id);
    },
  }),
);

builder.mutationField('updateContact', (t) =>
  t.prismaField({
    type: 'Contact',
    authScopes: { user: true },
    description: 'Changes a contact; custom and additional attributes are merged into the existing ones.',
    errors: {},
    args: { input: t.arg({ type: UpdateContactInput, required: true }) },
    resolve: async (query, _root, { input }, context) => {
      const { actor, id } = await locate(context, 'Contact', input.id, 'id');
      await context.services.contacts.update(actor, id, attributesOf(input));
      return reloadContact(context, query, id);
    },
  }),
);

builder.mutationField('deleteContact', (t) =>
  t.field({
    type: 'ID',
    authScopes: { user: true },
    description: 'Deletes a contact with their sessions and conversations (administrators only); returns its id.',
    errors: {},
    args: { input: t.arg({ type: DeleteContactInput, required: true }) },
    resolve: async (_root, { input }, context) => {
      const { actor, id } = await locate(context, 'Contact', input.id, 'id');
      await context.services.contacts.delete(actor, id);
      return input.id;
    },
  }),
);

builder.mutationField('setContactLabels', (t) =>
  t.prismaField({
    type: 'Contact',
    authScopes: { user: true },
    description: 'Replaces the contact\'s labels.',
    errors: {},
    args: { input: t.arg({ type: SetContactLabelsInput, required: true }) },
    resolve: async (query, _root, { input }, context) => {
      const { actor, id } = await locate(context, 'Contact', input.id, 'id');
      await context.services.contacts.setLabels(actor, id, input.labels);
      return reloadContact(context, query, id);
    },
  }),
);

builder.mutationField('removeContactCustomAttributes', (t) =>
  t.prismaField({
    type: 'Contact',
    authScopes: { user: true },
    description: 'Removes these keys from the contact\'s custom attributes.',
    errors: {},
    args: { input: t.arg({ type: RemoveContactCustomAttributesInput, required: true }) },
    resolve: async (query, _root, { input }, context) => {
      const { actor, id } = await locate(context, 'Contact', input.id, 'id');
      await context.services.contacts.removeCustomAttributes(actor, id, input.keys);
      return reloadContact(context, query, id);
    },
  }),
);

builder.mutationField('createContactInbox', (t) =>
  t.prismaField({
    type: 'ContactInbox',
    authScopes: { user: true },
    description: 'Opens a session for the contact in an inbox the caller can access (or returns the one with this sourceId).',
    errors: {},
    args: { input: t.arg({ type: CreateContactInboxInput, required: true }) },
    resolve: async (query, _root, { input }, context) => {
      const { actor, id } = await locate(context, 'Contact', input.contactId, 'contactId');
      const contactInbox = await context.services.contacts.createContactInboxFor(actor, id, {
        inboxId: databaseIdOf('Inbox', input.inboxId, 'inboxId'),
        sourceId: input.sourceId,
        hmacVerified: input.hmacVerified,
      });
      return context.db.contactInbox.findUniqueOrThrow({ ...query, where: { id: contactInbox.id } });
    },
  }),
);

builder.mutationField('updateMyContact', (t) =>
  t.prismaField({
    type: 'Contact',
    authScopes: { contact: true },
    description: 'The calling contact updates themselves (contacts only).',
    errors: {},
    args: { input: t.arg({ type: UpdateMyContactInput, required: true }) },
    resolve: async (query, _root, { input }, context) => {
      const session = context.principal;
      if (session?.kind !== 'contact') throw new Error('scope-auth lets only contacts reach this field');
      const contact = await context.services.contacts.updateSelf(session, input);
      // Merged into another contact: the session (its contact inbox) now belongs to that one.
      session.contactId = contact.id;
      return reloadContact(context, query, contact.id);
    },
  }),
);
