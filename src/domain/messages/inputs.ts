/**
 * The inputs of the message services, shared by every transport (GraphQL
 * mutations and the REST adapter parse with the same schemas).
 */
import { z } from 'zod';
import { LIMITS, jsonObject, recordId } from '../validation.ts';
import { contentAttributeProblems } from './content-attributes.ts';

export const MESSAGE_CONTENT_TYPES = [
  'text', 'input_text', 'input_textarea', 'input_email', 'input_select', 'cards', 'form', 'article',
  'incoming_email', 'input_csat', 'integrations', 'sticker', 'voice_call',
] as const;

export const MESSAGE_STATUSES = ['sent', 'delivered', 'read', 'failed'] as const;
export type MessageStatusName = (typeof MESSAGE_STATUSES)[number];

/**
 * The fields of a message an agent or bot creates (spec/API.md §3.6). A plain
 * object schema, so that other inputs can embed or pick from it; the content
 * attribute rules are added by `createMessageSchema` (and enforced again when
 * the message is written).
 */
export const createMessageInput = z.object({
  content: z.string().max(LIMITS.messageContent).nullish(),
  messageType: z.enum(['incoming', 'outgoing', 'activity', 'template']).default('outgoing'),
  private: z.boolean().default(false),
  contentType: z.enum(MESSAGE_CONTENT_TYPES).default('text'),
  contentAttributes: jsonObject().default({}),
  /** The client's own id for the message, shown back to it (stored, at most 255 characters). */
  echoId: z.string().max(LIMITS.string).nullish(),
  /** The external system's id of the message (text column, 20 000 characters). */
  sourceId: z.string().max(LIMITS.text).nullish(),
  externalCreatedAt: z.unknown().optional(),
  /** Attribute an outgoing message to an agent bot of the account. */
  senderAgentBotId: recordId().optional(),
});
export type CreateMessageInput = z.input<typeof createMessageInput>;
export type CreateMessageFields = z.output<typeof createMessageInput>;

/** Adds the §1.7 item rules of `content_attributes` as problems on `contentAttributes`. */
export function refineContentAttributes(
  value: { contentType: string; contentAttributes: Record<string, unknown> },
  context: z.RefinementCtx,
): void {
  for (const problem of contentAttributeProblems(value.contentType, value.contentAttributes))
    context.addIssue({ code: 'custom', path: ['contentAttributes'], message: problem });
}

/** createMessageInput with the content attribute rules. */
export const createMessageSchema = createMessageInput.superRefine(refineContentAttributes);

/**
 * A message a contact sends in their own conversation (Client API,
 * spec/API.md §5.2): always incoming and public, so only what it says.
 */
export const sendMessageInput = createMessageInput
  .pick({ content: true, contentType: true, contentAttributes: true, echoId: true })
  .superRefine(refineContentAttributes);
export type SendMessageInput = z.input<typeof sendMessageInput>;

/**
 * A delivery status report (PATCH …/messages/{id}). `status` is not checked
 * here: an unknown status is silently ignored, as Chatwoot ignores it.
 */
export const updateMessageStatusInput = z.object({
  status: z.unknown().optional(),
  externalError: z.string().max(LIMITS.text).nullish(),
});
export type UpdateMessageStatusInput = z.input<typeof updateMessageStatusInput>;
