/**
 * Wire shapes of a conversation: the REST `Conversation` (spec/API.md §2.5)
 * and the push/webhook `ConversationPayload` (spec/EVENTS.md §1.4).
 */
import { presentAgent } from '../agents/presenter.ts';
import { presentAgentBotSlim } from '../agent-bots/presenter.ts';
import { presentMessageEvent } from '../messages/presenter.ts';
import {
  presentAgentBotPush,
  presentContactPush,
  presentUserPush,
} from '../senders/presenter.ts';
import { presentContact } from '../contacts/presenter.ts';
import { epochFloat, epochSeconds, isoTime } from '../wire-time.ts';
import type { ConversationView } from './view.ts';

/** For API inboxes: true unless `agent_reply_time_window` (hours) has passed since the last incoming message. */
function canReply(view: ConversationView): boolean {
  const windowHours = Number(
    (view.conversation.inbox.channel.additionalAttributes as Record<string, unknown>).agent_reply_time_window,
  );
  if (!windowHours) return true;
  const lastIncoming = view.lastNonActivityMessage?.messageType === 'incoming' ? view.lastNonActivityMessage : null;
  const since = lastIncoming?.createdAt ?? view.conversation.createdAt;
  return Date.now() - since.getTime() < windowHours * 3_600_000;
}

function presentTeamMeta(view: ConversationView) {
  const team = view.conversation.team;
  return team
    ? {
        team: {
          id: team.id,
          name: team.name,
          description: team.description,
          allow_auto_assign: team.allowAutoAssign,
          account_id: team.accountId,
          is_member: false,
        },
      }
    : {};
}

function presentAssigneeMeta(view: ConversationView) {
  const { assignee, assigneeAgentBot } = view.conversation;
  if (assignee) return { assignee: presentAgent(assignee), assignee_type: 'User' };
  if (assigneeAgentBot) return { assignee: presentAgentBotSlim(assigneeAgentBot), assignee_type: 'AgentBot' };
  return {};
}

type AssignedTeam = NonNullable<ConversationView['conversation']['team']>;


/** A team as Rails renders the record (`render json: team`), the reply of a team assignment. */
export function presentTeamRecord(team: AssignedTeam) {
  return {
    id: team.id,
    name: team.name,
    description: team.description,
    allow_auto_assign: team.allowAutoAssign,
    account_id: team.accountId,
    created_at: isoTime((team as { createdAt?: Date }).createdAt),
    updated_at: isoTime((team as { updatedAt?: Date }).updatedAt),
  };
}

/** The REST `meta` of a conversation list (§3.5). */
export function presentConversationCounts(counts: { mine: number; assigned: number; unassigned: number; all: number }) {
  return {
    mine_count: counts.mine,
    assigned_count: counts.assigned,
    unassigned_count: counts.unassigned,
    all_count: counts.all,
  };
}

/** The reply of `toggle_status` (§3.5; the empty `meta` block is omitted). */
export function presentToggleStatus(conversation: { displayId: number; status: string; snoozedUntil: Date | null }) {
  return {
    payload: {
      success: true,
      conversation_id: conversation.displayId,
      current_status: conversation.status,
      snoozed_until: isoTime(conversation.snoozedUntil),
    },
  };
}

/** REST `Conversation` (§2.5). */
export function presentConversation(view: ConversationView) {
  const c = view.conversation;
  const { contact_inboxes: _omitted, ...sender } = presentContact(c.contact);
  return {
    meta: {
      sender,
      channel: c.inbox.channelType,
      ...presentAssigneeMeta(view),
      ...presentTeamMeta(view),
      hmac_verified: c.contactInbox.hmacVerified,
    },
    id: c.displayId,
    messages: view.lastMessage ? [presentMessageEvent(view.lastMessage, view.unreadCount)] : [],
    account_id: c.accountId,
    uuid: c.uuid,
    additional_attributes: c.additionalAttributes,
    agent_last_seen_at: epochSeconds(c.agentLastSeenAt),
    assignee_last_seen_at: epochSeconds(c.assigneeLastSeenAt),
    can_reply: canReply(view),
    contact_last_seen_at: epochSeconds(c.contactLastSeenAt),
    custom_attributes: c.customAttributes,
    inbox_id: c.inboxId,
    labels: c.labels,
    muted: c.contact.blocked,
    snoozed_until: c.snoozedUntil ? epochSeconds(c.snoozedUntil) : null,
    status: c.status,
    created_at: epochSeconds(c.createdAt),
    updated_at: epochFloat(c.updatedAt),
    timestamp: epochSeconds(c.lastActivityAt),
    first_reply_created_at: epochSeconds(c.firstReplyCreatedAt),
    unread_count: view.unreadCount,
    last_non_activity_message: view.lastNonActivityMessage
      ? presentMessageEvent(view.lastNonActivityMessage, view.unreadCount)
      : null,
    last_activity_at: epochSeconds(c.lastActivityAt),
    priority: c.priority,
    waiting_since: epochSeconds(c.waitingSince),
    sla_policy_id: null,
  };
}

/** `Conversation#push_event_data` / `webhook_data` (spec/EVENTS.md §1.4), without `event`. */
export function presentConversationPush(view: ConversationView) {
  const c = view.conversation;
  const { assignee, assigneeAgentBot, team } = c;
  return {
    additional_attributes: c.additionalAttributes,
    can_reply: canReply(view),
    channel: c.inbox.channelType,
    contact_inbox: {
      id: c.contactInbox.id,
      contact_id: c.contactInbox.contactId,
      inbox_id: c.contactInbox.inboxId,
      source_id: c.contactInbox.sourceId,
      created_at: isoTime(c.contactInbox.createdAt),
      updated_at: isoTime(c.contactInbox.updatedAt),
      hmac_verified: c.contactInbox.hmacVerified,
      pubsub_token: c.contactInbox.pubsubToken,
    },
    id: c.displayId,
    inbox_id: c.inboxId,
    messages: view.lastChatMessage ? [presentMessageEvent(view.lastChatMessage, view.unreadCount)] : [],
    labels: c.labels,
    meta: {
      sender: presentContactPush(c.contact),
      assignee: assignee ? presentUserPush(assignee) : assigneeAgentBot ? presentAgentBotPush(assigneeAgentBot) : null,
      assignee_type: assignee ? 'User' : assigneeAgentBot ? 'AgentBot' : null,
      team: team ? { id: team.id, name: team.name } : null,
      hmac_verified: c.contactInbox.hmacVerified,
    },
    status: c.status,
    custom_attributes: c.customAttributes,
    snoozed_until: isoTime(c.snoozedUntil),
    unread_count: view.unreadCount,
    first_reply_created_at: isoTime(c.firstReplyCreatedAt),
    priority: c.priority,
    waiting_since: epochSeconds(c.waitingSince),
    agent_last_seen_at: epochSeconds(c.agentLastSeenAt),
    contact_last_seen_at: epochSeconds(c.contactLastSeenAt),
    last_activity_at: epochSeconds(c.lastActivityAt),
    timestamp: epochSeconds(c.lastActivityAt),
    created_at: epochSeconds(c.createdAt),
    updated_at: epochFloat(c.updatedAt),
  };
}
