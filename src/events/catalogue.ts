/**
 * The event catalogue: every domain event Snypto emits, named `noun.verb`.
 * Events carry ids and facts, never presented payloads: each listener
 * re-loads and presents what its destination needs. Webhooks use the name
 * with `_` (`message_created`), `/cable` uses it as is.
 */

/** Who caused the change, when a request had an authenticated actor. */
export type Performer =
  | { type: 'User'; id: number }
  | { type: 'AgentBot'; id: number }
  | { type: 'Contact'; id: number };

export type MessageTypeName = 'incoming' | 'outgoing' | 'activity' | 'template';

export interface EventDataMap {
  'message.created': {
    messageId: number;
    conversationId: number;
    inboxId: number;
    messageType: MessageTypeName;
    private: boolean;
    echoId?: string;
  };
  'message.updated': {
    messageId: number;
    conversationId: number;
    inboxId: number;
    messageType: MessageTypeName;
    private: boolean;
    previousChanges: Record<string, [unknown, unknown]>;
    /**
     * The change reports how delivering the message to its API inbox went
     * (failed, or sent again): it is not delivered to that inbox, whose next
     * outcome would change the message again without end.
     */
    deliveryOutcome?: true;
  };
  /** A conversation's first public reply by a user (Chatwoot's `first.reply.created`, /cable only). */
  'first.reply.created': { messageId: number; conversationId: number; inboxId: number; echoId?: string };
  'conversation.created': { conversationId: number; inboxId: number };
  'conversation.status_changed': { conversationId: number; inboxId: number };
  'conversation.updated': {
    conversationId: number;
    inboxId: number;
    changedAttributes: Record<string, { previous_value: unknown; current_value: unknown }>[];
  };
  'conversation.read': { conversationId: number; inboxId: number };
  'conversation.typing_on': { conversationId: number; inboxId: number; isPrivate: boolean };
  'conversation.typing_off': { conversationId: number; inboxId: number; isPrivate: boolean };
  'assignee.changed': { conversationId: number; inboxId: number };
  'team.changed': { conversationId: number; inboxId: number };
  /** The conversation moved to another contact (a contact merge; /cable only). */
  'conversation.contact_changed': { conversationId: number; inboxId: number };
  'contact.created': { contactId: number };
  'contact.updated': {
    contactId: number;
    changedAttributes: Record<string, { previous_value: unknown; current_value: unknown }>[];
  };
  'contact.merged': { contactId: number; mergedContactId: number };
  'contact.deleted': { contactId: number; snapshot: Record<string, unknown> };
  'inbox.created': { inboxId: number };
  /** Members were added to or removed from the inbox (not a webhook event). */
  'inbox.members_changed': { inboxId: number };
  /** The inbox and everything in it is gone (not a webhook event). */
  'inbox.deleted': { inboxId: number };
  /** An agent's role, availability or profile in the account changed (not a webhook event). */
  'agent.updated': { userId: number };
  /** An agent was removed from the account (not a webhook event). */
  'agent.removed': { userId: number };
  'inbox.updated': {
    inboxId: number;
    changedAttributes: Record<string, { previous_value: unknown; current_value: unknown }>[];
  };
}

export type EventName = keyof EventDataMap;

/** One event as recorded in the outbox and handed to listeners after commit. */
export interface DomainEvent<N extends EventName = EventName> {
  /** Outbox row id (a bigint, as a decimal string). */
  id: string;
  /**
   * The event's number in its account (1, 2, 3…, in commit order, no gaps;
   * outbox.ts numberEvents): its position in the account's history, from
   * which a real-time client resumes (history.ts).
   */
  seq: number;
  name: N;
  accountId: number;
  data: EventDataMap[N];
  performer?: Performer;
  occurredAt: Date;
}

export type AnyDomainEvent = { [N in EventName]: DomainEvent<N> }[EventName];

/** `message.created` → `message_created`. */
export const webhookEventName = (name: EventName): string => name.replace(/\./g, '_');
