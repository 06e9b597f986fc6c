/**
 * GraphQL enums over the database enums: SCREAMING_CASE names, Prisma values.
 */
import { builder } from '../builder.ts';

const fromValues = <V extends string>(name: string, values: readonly V[]) =>
  builder.enumType(name, {
    values: Object.fromEntries(values.map((value) => [value.toUpperCase(), { value }])) as Record<
      Uppercase<V>,
      { value: V }
    >,
  });

export const MessageTypeEnum = fromValues('MessageType', ['incoming', 'outgoing', 'activity', 'template'] as const);
export const MessageStatusEnum = fromValues('MessageStatus', ['sent', 'delivered', 'read', 'failed'] as const);
export const MessageContentTypeEnum = fromValues('MessageContentType', [
  'text', 'input_text', 'input_textarea', 'input_email', 'input_select', 'cards', 'form', 'article',
  'incoming_email', 'input_csat', 'integrations', 'sticker', 'voice_call',
] as const);
export const ConversationStatusEnum = fromValues('ConversationStatus', ['open', 'resolved', 'pending', 'snoozed'] as const);
export const ConversationPriorityEnum = fromValues('ConversationPriority', ['low', 'medium', 'high', 'urgent'] as const);
export const AgentRoleEnum = fromValues('AgentRole', ['agent', 'administrator'] as const);
export const AvailabilityEnum = fromValues('Availability', ['online', 'offline', 'busy'] as const);
