/**
 * Conversation subscriptions (spec/EVENTS.md §2.5), scoped like every
 * subscription (events.ts): `conversationCreated`, `conversationUpdated`
 * (one payload per saved change of status, assignee, team, priority,
 * labels, custom attributes, waiting time, first reply, the contact after a
 * merge…, the conversation re-loaded with the
 * subscriber's selection) and `conversationTyping`. A contact hears only of
 * their own conversations and never of private-note typing; nobody hears
 * their own typing (src/events/recipients.ts), as Chatwoot leaves the typer out.
 */
import type { Context } from '../../context.ts';
import type { DomainEvent, Performer } from '../../events/catalogue.ts';
import { isOwnTyping, partyOf } from '../../events/recipients.ts';
import { filter, pipe } from 'graphql-yoga';
import { builder } from '../builder.ts';
import { AgentBotType } from '../types/agent-bot.ts';
import { AgentType, loadAgent } from '../types/agent.ts';
import { ContactType } from '../types/contact.ts';
import { AFTER_ARG, SCOPE_ARG, hear, resolveEventScope } from './events.ts';

type ConversationEvent = { accountId: number; data: { conversationId: number } };

const reload = (context: Context, query: object, event: ConversationEvent) =>
  context.db.conversation.findUniqueOrThrow({ ...query, where: { id: event.data.conversationId } });

builder.subscriptionField('conversationCreated', (t) =>
  t.prismaField({
    type: 'Conversation',
    authScopes: { authenticated: true },
    description: 'Conversations opened where the caller listens and may see them.',
    args: { scope: t.arg(SCOPE_ARG), after: t.arg(AFTER_ARG) },
    subscribe: async (_root, args, context) =>
      hear(context, await resolveEventScope(context, args.scope, args.after), ['conversation.created']),
    resolve: (query, event, _args, context) => reload(context, query, event as ConversationEvent),
  }),
);

builder.subscriptionField('conversationUpdated', (t) =>
  t.prismaField({
    type: 'Conversation',
    authScopes: { authenticated: true },
    description:
      'One payload per saved change Chatwoot broadcasts (status, snooze, assignee, team, priority, labels, custom attributes, waiting time, first reply, the contact after a merge), with the conversation as it is now.',
    args: { scope: t.arg(SCOPE_ARG), after: t.arg(AFTER_ARG) },
    subscribe: async (_root, args, context) =>
      hear(context, await resolveEventScope(context, args.scope, args.after), ['conversation.updated', 'conversation.contact_changed']),
    resolve: (query, event, _args, context) => reload(context, query, event as ConversationEvent),
  }),
);

type TypingEvent = DomainEvent<'conversation.typing_on' | 'conversation.typing_off'>;

/** Who typed: an agent, an agent bot or the contact. */
const ConversationParticipantUnion = builder.unionType('ConversationParticipant', {
  types: [AgentType, AgentBotType, ContactType],
  resolveType: (participant) =>
    'role' in participant && 'userId' in participant ? AgentType : 'botType' in participant ? AgentBotType : ContactType,
});

const ConversationTypingType = builder.objectRef<TypingEvent>('ConversationTyping').implement({
  description: 'Someone started or stopped typing in a conversation.',
  fields: (t) => ({
    conversation: t.prismaField({
      type: 'Conversation',
      resolve: (query, event, _args, context) => reload(context, query, event),
    }),
    typing: t.boolean({ description: 'True when typing started.', resolve: (event) => event.name === 'conversation.typing_on' }),
    isPrivate: t.boolean({ description: 'Typing a private note.', resolve: (event) => event.data.isPrivate }),
    participant: t.field({
      type: ConversationParticipantUnion,
      nullable: true,
      resolve: (event, _args, context) => participantOf(context, event.accountId, event.performer),
    }),
  }),
});

async function participantOf(context: Context, accountId: number, performer?: Performer) {
  if (!performer) return null;
  if (performer.type === 'User') return loadAgent(context, accountId, performer.id);
  if (performer.type === 'AgentBot') return context.db.agentBot.findUnique({ where: { id: performer.id } });
  return context.db.contact.findUnique({ where: { id: performer.id } });
}

builder.subscriptionField('conversationTyping', (t) =>
  t.field({
    type: ConversationTypingType,
    authScopes: { authenticated: true },
    description: 'Others starting or stopping to type (a contact: in their own conversations, never private notes).',
    args: { scope: t.arg(SCOPE_ARG), after: t.arg(AFTER_ARG) },
    subscribe: async (_root, args, context) =>
      pipe(
        await hear(context, await resolveEventScope(context, args.scope, args.after), ['conversation.typing_on', 'conversation.typing_off']),
        filter((event: TypingEvent) => !isOwnTyping(partyOf(context.principal), event.name, event.performer)),
      ),
    resolve: (event) => event as TypingEvent,
  }),
);
