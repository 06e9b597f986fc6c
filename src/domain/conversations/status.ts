/**
 * Status and priority of a conversation (spec/API.md §3.5 `toggle_status`,
 * `toggle_priority`, `PATCH`, `mute`, `unmute`), each run inside the
 * caller's transaction and emitting what Chatwoot broadcasts.
 */
import { z } from 'zod';
import type { Tx } from '../../db.ts';
import { ValidationError } from '../../errors.ts';
import type { Emit } from '../../events/outbox.ts';
import type { Conversation, ConversationStatus } from '../../generated/prisma/client.ts';
import { performerOf, type AccountActor } from '../actor.ts';
import { parseWireTime } from '../wire-time.ts';
import { emitConversationChanges } from './changes.ts';

const STATUSES = ['open', 'resolved', 'pending', 'snoozed'] as const;
const PRIORITIES = ['low', 'medium', 'high', 'urgent'] as const;

export const toggleStatusInput = z.object({
  /** The new status; absent: open → resolved, anything else → open. */
  status: z.enum(STATUSES).nullish(),
  /** When a snoozed conversation reopens: a Date, epoch seconds or a date string. */
  snoozedUntil: z.unknown().optional(),
});
export type ToggleStatusInput = z.input<typeof toggleStatusInput>;

export const updatePriorityInput = z.object({
  /** The new priority; null (or absent) clears it. */
  priority: z.enum(PRIORITIES).nullish(),
});
export type UpdatePriorityInput = z.input<typeof updatePriorityInput>;

/** A Date, or a wire time; ValidationError when given but unreadable. */
function snoozeTime(value: unknown): Date | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const date = value instanceof Date ? value : parseWireTime(value);
  if (!date || Number.isNaN(date.getTime())) throw ValidationError.of('snoozedUntil', 'Snoozed until is invalid');
  return date;
}

/** Saves `data` on the conversation and emits the events of what changed. */
export async function saveConversation(
  tx: Tx,
  emit: Emit,
  actor: AccountActor | null,
  before: Conversation,
  data: Partial<Pick<Conversation, 'status' | 'snoozedUntil' | 'priority' | 'assigneeId' | 'assigneeAgentBotId' | 'teamId' | 'labels'>> & {
    customAttributes?: object;
  },
): Promise<Conversation> {
  const after = await tx.conversation.update({ where: { id: before.id }, data });
  await emitConversationChanges(emit, before, after, actor ? performerOf(actor) : undefined);
  return after;
}

/**
 * Sets the status (Chatwoot's `toggle_status`): the given status, or without
 * one open → resolved and anything else → open; `snoozedUntil` is kept only
 * while snoozed. An agent bot moving pending → open hands the conversation
 * over to humans. A human agent (not an administrator) who leaves it open
 * and unassigned is assigned to it, in a second save as Chatwoot does.
 */
export async function toggleStatus(
  tx: Tx,
  emit: Emit,
  actor: AccountActor,
  conversation: Conversation,
  input: z.output<typeof toggleStatusInput>,
): Promise<Conversation> {
  const status: ConversationStatus = input.status ?? (conversation.status === 'open' ? 'resolved' : 'open');
  const snoozedUntil =
    status === 'snoozed' ? (snoozeTime(input.snoozedUntil) ?? conversation.snoozedUntil) : null;
  let after = await saveConversation(tx, emit, actor, conversation, { status, snoozedUntil });
  const selfAssign = after.status === 'open' && actor.kind === 'user' && actor.role === 'agent' && after.assigneeId === null;
  if (selfAssign)
    after = await saveConversation(tx, emit, actor, after, { assigneeId: actor.userId, assigneeAgentBotId: null });
  return after;
}

/** Sets or clears the priority (`PATCH /conversations/{id}`, `toggle_priority`). */
export function updatePriority(
  tx: Tx,
  emit: Emit,
  actor: AccountActor,
  conversation: Conversation,
  input: z.output<typeof updatePriorityInput>,
): Promise<Conversation> {
  return saveConversation(tx, emit, actor, conversation, { priority: input.priority ?? null });
}

/** Blocks or unblocks the conversation's contact, emitting `contact.updated` when it changed. */
async function setContactBlocked(tx: Tx, emit: Emit, actor: AccountActor, contactId: number, blocked: boolean) {
  const contact = await tx.contact.findUniqueOrThrow({ where: { id: contactId } });
  if (contact.blocked === blocked) return;
  const updated = await tx.contact.update({ where: { id: contactId }, data: { blocked } });
  await emit(
    contact.accountId,
    'contact.updated',
    {
      contactId,
      changedAttributes: [
        { blocked: { previous_value: contact.blocked, current_value: blocked } },
        { updated_at: { previous_value: contact.updatedAt.toISOString(), current_value: updated.updatedAt.toISOString() } },
      ],
    },
    performerOf(actor),
  );
}

/** Mutes (Chatwoot's `mute!`): resolves the conversation and blocks its contact. */
export async function mute(tx: Tx, emit: Emit, actor: AccountActor, conversation: Conversation): Promise<Conversation> {
  const after = await saveConversation(tx, emit, actor, conversation, { status: 'resolved', snoozedUntil: null });
  await setContactBlocked(tx, emit, actor, conversation.contactId, true);
  return after;
}

/** Unmutes (`unmute!`): unblocks the contact; the status stays as it is. */
export async function unmute(tx: Tx, emit: Emit, actor: AccountActor, conversation: Conversation): Promise<Conversation> {
  await setContactBlocked(tx, emit, actor, conversation.contactId, false);
  return conversation;
}
