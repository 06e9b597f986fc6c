/**
 * Contacts and contact inboxes (spec/API.md §3.4).
 */
import { presentContact, presentContactInbox, presentInboxSlim, type ContactInboxWithInbox } from '../../domain/contacts/presenter.ts';
import type { ContactSortField } from '../../domain/contacts/search.ts';
import { presentConversation } from '../../domain/conversations/presenter.ts';
import { presentInboxRow } from '../../domain/inboxes/presenter.ts';
import type { Contact } from '../../generated/prisma/client.ts';
import { boolean, hash, idParam, integer, optionalId, stringList, text, type Params } from '../params.ts';
import { ACCOUNT, UPDATE, type AccountRouteRequest, type Route } from '../route.ts';

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

const PER_PAGE = 15;
const CONTACTS = `${ACCOUNT}/contacts`;
const CONTACT = `${CONTACTS}/:id`;

/** Chatwoot's `sort` values (a leading `-` sorts descending). */
const SORTS: Record<string, ContactSortField> = {
  name: 'name',
  email: 'email',
  phone_number: 'phoneNumber',
  last_activity_at: 'lastActivityAt',
  created_at: 'createdAt',
  company: 'company',
  city: 'city',
  country: 'country',
};

function sortOf(value: unknown) {
  if (typeof value !== 'string') return {};
  const descending = value.startsWith('-');
  const sortBy = SORTS[descending ? value.slice(1) : value];
  return sortBy ? { sortBy, sortDirection: descending ? ('desc' as const) : ('asc' as const) } : {};
}

const WITH_INBOXES = { include: { contactInboxes: { include: { inbox: true }, orderBy: { id: 'asc' } } } } as const;
type ContactWithInboxes = Contact & { contactInboxes: ContactInboxWithInbox[] };

const includeInboxes = (params: Params) => boolean(params.include_contact_inboxes) ?? true;

/** Finds one page of contacts in the order `sort` asks, each loaded with `query`. */
type ContactPageSearch = (
  sort: ReturnType<typeof sortOf>,
  window: { offset: number; limit: number },
  query: object,
) => Promise<{ contacts: Contact[]; totalCount: number }>;

/** One page of contacts as `{meta, payload}`: those of `ContactService.search` under `filter`, or of `search`. */
async function page({ actor, params, services }: AccountRouteRequest, filter: object, search?: ContactPageSearch) {
  const current = Math.max(integer(params.page) ?? 1, 1);
  const withInboxes = includeInboxes(params);
  const find: ContactPageSearch =
    search ?? ((sort, window, query) => services.contacts.search(actor, { ...filter, ...sort }, window, query));
  const { contacts, totalCount } = await find(
    sortOf(params.sort),
    { offset: (current - 1) * PER_PAGE, limit: PER_PAGE },
    withInboxes ? WITH_INBOXES : {},
  );
  return {
    body: {
      meta: { count: totalCount, current_page: current },
      payload: contacts.map((contact) =>
        presentContact(contact, withInboxes ? (contact as ContactWithInboxes).contactInboxes : undefined),
      ),
    },
  };
}

/** A contact with its contact inboxes as `{payload}`. */
async function shown({ services }: AccountRouteRequest, contact: Contact, withInboxes = true) {
  const contactInboxes = withInboxes ? await services.contacts.contactInboxes(contact.id) : undefined;
  return { body: { payload: presentContact(contact, contactInboxes) } };
}

export const contactRoutes: Route[] = [
  {
    scope: 'account',
    method: 'GET',
    path: CONTACTS,
    handle: (request) =>
      page(request, { labels: stringList(request.params.labels), labelMatch: 'any', resolvedOnly: true }),
  },
  {
    scope: 'account',
    method: 'GET',
    path: `${CONTACTS}/search`,
    handle: async (request) => {
      const q = request.params.q;
      // Chatwoot's `render … if q.blank? && return` returns before rendering the 422.
      if (typeof q !== 'string' || q.trim() === '') return { body: { meta: { count: null, current_page: 1 }, payload: [] } };
      return page(request, { query: q });
    },
  },
  {
    scope: 'account',
    method: 'POST',
    path: `${CONTACTS}/filter`,
    handle: (request) =>
      page(request, {}, (sort, window, query) =>
        request.services.filters.filterContacts(request.actor, request.params.payload, sort, window, query),
      ),
  },
  {
    scope: 'account',
    method: 'POST',
    path: CONTACTS,
    wrap: 'contact',
    handle: async ({ actor, params, services }) => {
      const { contact, contactInbox } = await services.contacts.create(actor, {
        ...contactAttributes(params),
        inboxId: optionalId(params.inbox_id),
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
  {
    scope: 'account',
    method: 'GET',
    path: CONTACT,
    handle: async (request) =>
      shown(request, await request.services.contacts.get(request.actor, idParam(request.params.id)), includeInboxes(request.params)),
  },
  {
    scope: 'account',
    method: UPDATE,
    path: CONTACT,
    wrap: 'contact',
    handle: async (request) => {
      const { actor, params, services } = request;
      const contact = await services.contacts.update(actor, idParam(params.id), contactAttributes(params));
      return shown(request, contact);
    },
  },
  {
    scope: 'account',
    method: 'DELETE',
    path: CONTACT,
    handle: async ({ actor, params, services }) => {
      await services.contacts.delete(actor, idParam(params.id));
      return {};
    },
  },
  {
    scope: 'account',
    method: 'POST',
    path: `${CONTACT}/destroy_custom_attributes`,
    wrap: 'contact',
    handle: async (request) => {
      const { actor, params, services } = request;
      const keys = stringList(params.custom_attributes) ?? [];
      return shown(request, await services.contacts.removeCustomAttributes(actor, idParam(params.id), keys));
    },
  },
  {
    scope: 'account',
    method: 'GET',
    path: `${CONTACT}/contactable_inboxes`,
    handle: async ({ actor, params, services }) => {
      const rows = await services.contacts.contactableInboxes(actor, idParam(params.id));
      return { body: { payload: rows.map((row) => ({ inbox: presentInboxSlim(row.inbox), source_id: row.sourceId })) } };
    },
  },
  {
    scope: 'account',
    method: 'GET',
    path: `${CONTACT}/conversations`,
    handle: async ({ actor, params, services }) => {
      const views = await services.contacts.conversations(actor, idParam(params.id));
      return { body: { payload: views.map(presentConversation) } };
    },
  },
  {
    scope: 'account',
    method: 'POST',
    path: `${CONTACT}/contact_inboxes`,
    handle: async ({ actor, params, services }) => {
      const contactInbox = await services.contacts.createContactInboxFor(actor, idParam(params.id), {
        inboxId: idParam(params.inbox_id),
        sourceId: text(params.source_id) as string | undefined,
        hmacVerified: boolean(params.hmac_verified),
      });
      return { body: presentContactInbox(contactInbox) };
    },
  },
  {
    scope: 'account',
    method: 'POST',
    path: `${ACCOUNT}/contact_inboxes/filter`,
    handle: async (request) => {
      const { actor, params, services } = request;
      const contact = await services.contacts.findBySourceId(actor, idParam(params.inbox_id), text(params.source_id));
      if (!contact) return { status: 404 };
      return { body: presentContact(contact, await services.contacts.contactInboxes(contact.id)) };
    },
  },
  {
    scope: 'account',
    method: 'GET',
    path: `${CONTACT}/labels`,
    handle: async ({ actor, params, services }) => {
      const contact = await services.contacts.get(actor, idParam(params.id));
      return { body: { payload: contact.labels } };
    },
  },
  {
    scope: 'account',
    method: 'POST',
    path: `${CONTACT}/labels`,
    handle: async ({ actor, params, services }) => {
      const contact = await services.contacts.setLabels(actor, idParam(params.id), stringList(params.labels) ?? []);
      return { body: { payload: contact.labels } };
    },
  },
];
