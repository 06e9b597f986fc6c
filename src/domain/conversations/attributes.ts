/**
 * Labels and custom attributes of a conversation (spec/API.md §3.5
 * `POST /labels` and `POST /custom_attributes`): both replace the whole set.
 */
import { z } from 'zod';
import type { Tx } from '../../db.ts';
import type { Emit } from '../../events/outbox.ts';
import type { Conversation } from '../../generated/prisma/client.ts';
import type { AccountActor } from '../actor.ts';
import { jsonObject, LIMITS } from '../validation.ts';
import { saveConversation } from './status.ts';

export const setLabelsInput = z.object({
  labels: z.array(z.string().max(LIMITS.string)),
});
export type SetLabelsInput = z.input<typeof setLabelsInput>;

export const setCustomAttributesInput = z.object({
  customAttributes: jsonObject(),
});
export type SetCustomAttributesInput = z.input<typeof setCustomAttributesInput>;

/** Labels as acts-as-taggable keeps them: trimmed, blanks dropped, each once, in the given order. */
export const normalizeLabels = (labels: string[]): string[] => [
  ...new Set(labels.map((label) => label.trim()).filter((label) => label !== '')),
];

/** Replaces the labels; `conversation.updated` names `label_list` when they changed. */
export function setLabels(
  tx: Tx,
  emit: Emit,
  actor: AccountActor,
  conversation: Conversation,
  input: z.output<typeof setLabelsInput>,
): Promise<Conversation> {
  return saveConversation(tx, emit, actor, conversation, { labels: normalizeLabels(input.labels) });
}

/** Replaces the custom attributes hash. */
export function setCustomAttributes(
  tx: Tx,
  emit: Emit,
  actor: AccountActor,
  conversation: Conversation,
  input: z.output<typeof setCustomAttributesInput>,
): Promise<Conversation> {
  return saveConversation(tx, emit, actor, conversation, { customAttributes: input.customAttributes as object });
}
