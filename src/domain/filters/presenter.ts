/**
 * Wire shapes of what the filters and the search find (spec/API.md §3.5).
 */
import { MESSAGE_TYPE_NUMBER } from '../messages/presenter.ts';
import { epochSeconds } from '../wire-time.ts';
import type { FoundConversation, FoundCounts } from './service.ts';

/** The `meta` of `POST /conversations/filter` and `GET /conversations/search`. */
export const presentFoundCounts = (counts: FoundCounts) => ({
  mine_count: counts.mine,
  unassigned_count: counts.unassigned,
  all_count: counts.all,
});

/** One conversation of `GET /conversations/search`, with only its matching messages. */
export function presentSearchedConversation(conversation: FoundConversation) {
  return {
    id: conversation.displayId,
    uuid: conversation.uuid,
    created_at: epochSeconds(conversation.createdAt),
    contact: { id: conversation.contact.id, name: conversation.contact.name },
    inbox: { id: conversation.inbox.id, name: conversation.inbox.name, channel_type: conversation.inbox.channelType },
    messages: conversation.messages.map((message) => {
      const sender = message.senderUser ?? message.senderContact ?? message.senderAgentBot;
      return {
        content: message.content,
        id: message.id,
        ...(sender ? { sender_name: sender.name } : {}),
        message_type: MESSAGE_TYPE_NUMBER[message.messageType],
        created_at: epochSeconds(message.createdAt),
      };
    }),
    account_id: conversation.accountId,
  };
}
