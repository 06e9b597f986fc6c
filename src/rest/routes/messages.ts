/**
 * Messages of a conversation (spec/API.md §3.6), with their attachments
 * (multipart `attachments[]` on create; the conversation's list, §3.5).
 * The adapter has resolved the path's conversation (`conversationIdOf`);
 * the list is the domain's one window (domain/messages/window.ts), which
 * leaves internal messages out in its query for `filter_internal_messages`.
 * A create's answer is read back in its own transaction (`viewOfWritten`);
 * the other writes return an id, whose view is then loaded.
 */
import { presentListedAttachment } from '../../domain/attachments/presenter.ts';
import { presentContactPush, presentUserPush } from '../../domain/senders/presenter.ts';
import { presentMessage, senderPush } from '../../domain/messages/presenter.ts';
import { viewOfWritten } from '../../domain/messages/view-sql.ts';
import { uploadedFiles } from '../multipart.ts';
import { boolean, idParam, integer, objectParam, text, type Params } from '../params.ts';
import { ForbiddenError } from '../../errors.ts';
import { STATUS_UPDATE_API_ONLY } from '../../domain/messages/service.ts';
import { ACCOUNT, UPDATE, conversationIdOf, type Route } from '../route.ts';

const MESSAGES = `${ACCOUNT}/conversations/:conversation_id/messages`;

/** The message attributes of a create request (also the `message` of a conversation create). */
export const messageAttributes = (params: Params) => ({
  content: text(params.content),
  messageType: text(params.message_type),
  private: boolean(params.private),
  contentType: text(params.content_type),
  contentAttributes: objectParam(params.content_attributes),
  echoId: text(params.echo_id),
  sourceId: text(params.source_id),
  externalCreatedAt: params.external_created_at,
  senderAgentBotId: params.sender_type === 'AgentBot' ? (integer(params.sender_id) ?? NaN) : undefined,
});

export const messageRoutes: Route[] = [
  {
    scope: 'account',
    method: 'POST',
    path: MESSAGES,
    wrap: 'message',
    bots: true,
    validation: 'exception',
    handle: async (request) => {
      const { actor, params, services } = request;
      const attributes = messageAttributes(params);
      const files = uploadedFiles(params.attachments);
      const message = await services.messages.create(actor, conversationIdOf(request), attributes, files, viewOfWritten);
      return { body: presentMessage(message, typeof attributes.echoId === 'string' ? attributes.echoId : undefined) };
    },
  },
  {
    scope: 'account',
    method: 'GET',
    path: MESSAGES,
    handle: async (request) => {
      const { actor, params, services } = request;
      const { conversation, messages } = await services.messages.list(actor, conversationIdOf(request), {
        before: integer(params.before),
        after: integer(params.after),
        excludeInternal: boolean(params.filter_internal_messages) === true,
      });
      return {
        body: {
          meta: {
            labels: conversation.labels,
            additional_attributes: conversation.additionalAttributes,
            contact: presentContactPush(conversation.contact),
            ...(conversation.assignee ? { assignee: presentUserPush(conversation.assignee) } : {}),
            agent_last_seen_at: conversation.agentLastSeenAt?.toISOString() ?? null,
            assignee_last_seen_at: conversation.assigneeLastSeenAt?.toISOString() ?? null,
          },
          payload: messages.map((m) => presentMessage(m)),
        },
      };
    },
  },
  {
    scope: 'account',
    method: UPDATE,
    path: `${MESSAGES}/:message_id`,
    wrap: 'message',
    handle: async (request) => {
      const { actor, params, services } = request;
      try {
        const id = await services.messages.updateStatus(actor, conversationIdOf(request), idParam(params.message_id), {
          status: params.status,
          externalError: params.external_error == null ? params.external_error : text(params.external_error),
        });
        return { body: presentMessage(await services.messages.view(actor.accountId, id)) };
      } catch (error) {
        // The error table maps Forbidden to 401; Chatwoot answers this one
        // rule with 403 (spec/API.md §3.6), so it is replied here.
        if (error instanceof ForbiddenError && error.message === STATUS_UPDATE_API_ONLY)
          return { status: 403, body: { error: STATUS_UPDATE_API_ONLY } };
        throw error;
      }
    },
  },
  {
    scope: 'account',
    method: 'POST',
    path: `${MESSAGES}/:message_id/retry`,
    handle: async (request) => {
      const { actor, params, services } = request;
      const id = await services.messageRetry.retry(actor, conversationIdOf(request), idParam(params.message_id));
      return { body: presentMessage(await services.messages.view(actor.accountId, id)) };
    },
  },
  {
    scope: 'account',
    method: 'GET',
    path: `${ACCOUNT}/conversations/:conversation_id/attachments`,
    handle: async (request) => {
      const { actor, params, services } = request;
      const { totalCount, attachments } = await services.attachments.listForConversation(
        actor,
        conversationIdOf(request),
        integer(params.page) ?? 1,
      );
      return {
        body: {
          meta: { total_count: totalCount },
          payload: attachments.map((attachment) => {
            const sender = senderPush(attachment.message);
            return { ...presentListedAttachment(attachment, attachment.message.createdAt), ...(sender ? { sender } : {}) };
          }),
        },
      };
    },
  },
  {
    scope: 'account',
    method: 'DELETE',
    path: `${MESSAGES}/:message_id`,
    handle: async (request) => {
      const { actor, params, services } = request;
      const id = await services.messages.softDelete(actor, conversationIdOf(request), idParam(params.message_id));
      return { body: presentMessage(await services.messages.view(actor.accountId, id)) };
    },
  },
];
