/**
 * The executable schema: every type, mutation and subscription file
 * registers itself on the builder.
 */
import { lexicographicSortSchema, printSchema } from 'graphql';
import { builder } from './builder.ts';
import './types/errors.ts';
import './types/enums.ts';
import './types/account.ts';
import './types/profile.ts';
import './types/agent.ts';
import './types/agent-bot.ts';
import './types/team.ts';
import './types/inbox.ts';
import './types/contact.ts';
import './types/contact-inbox.ts';
import './types/conversation.ts';
import './types/message.ts';
import './types/attachment.ts';
import './types/webhook.ts';
import './types/webhook-delivery.ts';
import './types/filters.ts';
import './types/public-inbox.ts';
import './mutations/inboxes.ts';
import './mutations/agents.ts';
import './mutations/contacts.ts';
import './mutations/conversations.ts';
import './mutations/messages.ts';
import './mutations/webhooks.ts';
import './mutations/client-sessions.ts';
import './subscriptions/events.ts';
import './subscriptions/messages.ts';
import './subscriptions/conversations.ts';
import './subscriptions/contacts.ts';
import './subscriptions/room.ts';

export const schema = builder.toSchema();

/** The printed, lexicographically sorted SDL: the contract in schema/schema.graphql. */
export const printSortedSchema = (): string => `${printSchema(lexicographicSortSchema(schema))}\n`;
