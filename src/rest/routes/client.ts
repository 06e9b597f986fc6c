/**
 * The Client API (spec/API.md §5): what a business's own chat UI or mobile
 * app calls with only the inbox identifier and the contact's `source_id`
 * (`contact_identifier`), optionally proving the contact's identity with
 * `identifier_hash` (§6). Each route is one service call and a presenter.
 * The adapter has turned the path into the session and the conversation's
 * database id (`conversationIdOf`); what the session reaches is
 * access/rules.ts `conversationsReachedBy`, checked by the services.
 */
import { viewOfWritten } from '../../domain/messages/view-sql.ts';
import { uploadedFiles } from '../multipart.ts';
import {
  presentPublicContact,
  presentPublicConversation,
  presentPublicInbox,
  presentPublicMessage,
  presentUpdatedContact,
} from '../../domain/client/presenter.ts';
import { idParam, integer, objectParam, text, type Params } from '../params.ts';
import { CLIENT_INBOX, UPDATE, conversationIdOf, type Route } from '../route.ts';

const CONTACTS = `${CLIENT_INBOX}/contacts`;
const CONTACT = `${CONTACTS}/:contact_identifier`;
const CONVERSATIONS = `${CONTACT}/conversations`;
const CONVERSATION = `${CONVERSATIONS}/:conversation_id`;
const MESSAGES = `${CONVERSATION}/messages`;

/** The identity proof of the contact endpoints (query or body). */
const proofOf = (params: Params) => ({ identifier: params.identifier, identifierHash: params.identifier_hash });

/** The contact attributes a client may send. */
const contactAttributes = (params: Params) => ({
  name: text(params.name),
  email: text(params.email),
  phoneNumber: text(params.phone_number),
  avatarUrl: text(params.avatar_url),
  customAttributes: objectParam(params.custom_attributes),
});

const inboxIdentifier = (params: Params) => String(params.inbox_identifier);
const contactIdentifier = (params: Params) => String(params.contact_identifier);

export const clientRoutes: Route[] = [
  {
    scope: 'public',
    method: 'GET',
    path: CLIENT_INBOX,
    handle: async ({ params, services }) => ({ body: presentPublicInbox(await services.clientSessions.inbox(inboxIdentifier(params))) }),
  },
  {
    scope: 'public',
    method: 'POST',
    path: CONTACTS,
    wrap: 'contact',
    handle: async ({ params, services }) => {
      const { contact, contactInbox } = await services.clientSessions.open(
        inboxIdentifier(params),
        { ...contactAttributes(params), identifier: text(params.identifier), sourceId: text(params.source_id) },
        proofOf(params),
      );
      return { body: presentPublicContact(contact, contactInbox) };
    },
  },
  {
    scope: 'public',
    method: 'GET',
    path: CONTACT,
    handle: async ({ params, services }) => {
      const { contact, contactInbox } = await services.clientSessions.show(
        inboxIdentifier(params),
        contactIdentifier(params),
        proofOf(params),
      );
      return { body: presentPublicContact(contact, contactInbox) };
    },
  },
  {
    scope: 'public',
    method: UPDATE,
    path: CONTACT,
    wrap: 'contact',
    handle: async ({ params, services }) => {
      const { contact, contactInbox } = await services.clientSessions.update(
        inboxIdentifier(params),
        contactIdentifier(params),
        proofOf(params),
        contactAttributes(params),
      );
      return { body: presentUpdatedContact(contact, contactInbox) };
    },
  },
  {
    scope: 'session',
    method: 'GET',
    path: CONVERSATIONS,
    handle: async ({ session, services }) => {
      const ids = await services.conversations.idsReachedBy(session);
      const views = await services.clientSessions.conversationViews(session, ids);
      return { body: views.map(presentPublicConversation) };
    },
  },
  {
    scope: 'session',
    method: 'POST',
    path: CONVERSATIONS,
    wrap: 'conversation',
    handle: async ({ params, session, services }) => {
      const conversation = await services.conversations.start(session, { customAttributes: objectParam(params.custom_attributes) });
      const [view] = await services.clientSessions.conversationViews(session, [conversation.id]);
      return { body: presentPublicConversation(view!) };
    },
  },
  {
    scope: 'session',
    method: 'GET',
    path: CONVERSATION,
    handle: async (request) => {
      const { session, services } = request;
      const id = await services.conversations.idReachedBy(session, conversationIdOf(request));
      const [view] = await services.clientSessions.conversationViews(session, [id]);
      return { body: presentPublicConversation(view!) };
    },
  },
  {
    scope: 'session',
    method: 'POST',
    path: `${CONVERSATION}/toggle_status`,
    handle: async (request) => {
      const { session, services } = request;
      const conversation = await services.conversations.resolveByContact(session, conversationIdOf(request));
      const [view] = await services.clientSessions.conversationViews(session, [conversation.id]);
      return { body: presentPublicConversation(view!) };
    },
  },
  {
    scope: 'session',
    method: 'POST',
    path: `${CONVERSATION}/toggle_typing`,
    handle: async (request) => {
      await request.services.conversations.setTypingByContact(request.session, conversationIdOf(request), {
        typingStatus: request.params.typing_status,
      });
      return {};
    },
  },
  {
    scope: 'session',
    method: 'POST',
    path: `${CONVERSATION}/update_last_seen`,
    handle: async (request) => {
      await request.services.conversations.markSeenByContact(request.session, conversationIdOf(request));
      return {};
    },
  },
  {
    scope: 'session',
    method: 'GET',
    path: MESSAGES,
    handle: async (request) => {
      const { params, session, services } = request;
      const messages = await services.messages.listForContact(session, conversationIdOf(request), integer(params.before));
      return { body: messages.map(presentPublicMessage) };
    },
  },
  {
    scope: 'session',
    method: 'POST',
    path: MESSAGES,
    wrap: 'message',
    handle: async (request) => {
      const { params, session, services } = request;
      const message = await services.messages.createFromContact(
        session,
        conversationIdOf(request),
        { content: text(params.content), echoId: text(params.echo_id) },
        uploadedFiles(params.attachments),
        viewOfWritten,
      );
      return { body: presentPublicMessage(message) };
    },
  },
  {
    scope: 'session',
    method: UPDATE,
    path: `${MESSAGES}/:message_id`,
    wrap: 'message',
    handle: async (request) => {
      const { params, session, services } = request;
      const id = await services.messages.submitValues(session, conversationIdOf(request), idParam(params.message_id), {
        submittedValues: params.submitted_values,
      });
      return { body: presentPublicMessage(await services.messages.view(session.accountId, id)) };
    },
  },
];
