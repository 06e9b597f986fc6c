/**
 * Contacts (spec/API.md §3.4).
 */
import { presentContact } from '../../domain/contacts/presenter.ts';
import { presentInboxRow } from '../../domain/inboxes/presenter.ts';
import { boolean, hash, integer, text, type Params } from '../params.ts';
import { ACCOUNT, type Route } from '../route.ts';

/** The contact attributes of a create or update request. */
export const contactAttributes = (params: Params) => ({
  name: text(params.name),
  email: text(params.email),
  phoneNumber: text(params.phone_number),
  identifier: text(params.identifier),
  avatarUrl: text(params.avatar_url),
  blocked: boolean(params.blocked),
  additionalAttributes: hash(params.additional_attributes),
  customAttributes: hash(params.custom_attributes),
});

export const contactRoutes: Route[] = [
  {
    scope: 'account',
    method: 'POST',
    path: `${ACCOUNT}/contacts`,
    wrap: 'contact',
    handle: async ({ actor, params, services }) => {
      const { contact, contactInbox } = await services.contacts.create(actor, {
        ...contactAttributes(params),
        inboxId: params.inbox_id == null || params.inbox_id === '' ? undefined : (integer(params.inbox_id) ?? NaN),
        sourceId: text(params.source_id),
      });
      const contactInboxes = await services.contacts.contactInboxes(contact.id);
      return {
        body: {
          payload: {
            contact: presentContact(contact, contactInboxes),
            contact_inbox: {
              inbox: contactInbox ? presentInboxRow(contactInbox.inbox) : null,
              source_id: contactInbox?.sourceId ?? null,
            },
          },
        },
      };
    },
  },
];

