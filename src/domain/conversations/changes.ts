/**
 * The events a saved conversation change emits, as Chatwoot's
 * `after_update_commit` callbacks decide them (spec/EVENTS.md §1.2, §2.5):
 * a change to a watched attribute emits `conversation.updated` with Rails'
 * `previous_changes` as `changedAttributes`; a status change also emits
 * `conversation.status_changed`; assignee and team changes also emit
 * `assignee.changed` / `team.changed`.
 */
import type { Emit } from '../../events/outbox.ts';
import type { Performer } from '../../events/catalogue.ts';
import type { Conversation } from '../../generated/prisma/client.ts';

/** Columns whose change Chatwoot broadcasts, with their Rails names. */
const WATCHED = {
  status: 'status',
  snoozedUntil: 'snoozed_until',
  assigneeId: 'assignee_id',
  assigneeAgentBotId: 'assignee_agent_bot_id',
  teamId: 'team_id',
  priority: 'priority',
  customAttributes: 'custom_attributes',
  labels: 'label_list',
  waitingSince: 'waiting_since',
  firstReplyCreatedAt: 'first_reply_created_at',
} as const satisfies Partial<Record<keyof Conversation, string>>;

type Watched = keyof typeof WATCHED;
export type ChangedAttributes = Record<string, { previous_value: unknown; current_value: unknown }>[];

const wire = (value: unknown): unknown => (value instanceof Date ? value.toISOString() : (value ?? null));
const same = (a: unknown, b: unknown) => JSON.stringify(wire(a)) === JSON.stringify(wire(b));

/** The watched attributes that differ between `before` and `after`. */
export function changedKeys(before: Conversation, after: Conversation): Watched[] {
  return (Object.keys(WATCHED) as Watched[]).filter((key) => !same(before[key], after[key]));
}

/** One entry of `changedAttributes`: a Rails attribute name with its values on the wire. */
export const changeEntry = (attribute: string, previous: unknown, current: unknown) => ({
  [attribute]: { previous_value: wire(previous), current_value: wire(current) },
});

/** Rails' `previous_changes` of the watched attributes (and `updated_at`), one key per entry. */
export function changedAttributes(before: Conversation, after: Conversation): ChangedAttributes {
  const entries: ChangedAttributes = changedKeys(before, after).map((key) => changeEntry(WATCHED[key], before[key], after[key]));
  if (entries.length > 0 && !same(before.updatedAt, after.updatedAt))
    entries.push(changeEntry('updated_at', before.updatedAt, after.updatedAt));
  return entries;
}

/** Emits what Chatwoot broadcasts after `before` was saved as `after`; nothing when no watched attribute changed. */
export async function emitConversationChanges(
  emit: Emit,
  before: Conversation,
  after: Conversation,
  performer?: Performer,
): Promise<void> {
  const keys = changedKeys(before, after);
  if (keys.length === 0) return;
  const ids = { conversationId: after.id, inboxId: after.inboxId };
  if (keys.includes('status')) await emit(after.accountId, 'conversation.status_changed', ids, performer);
  await emit(
    after.accountId,
    'conversation.updated',
    { ...ids, changedAttributes: changedAttributes(before, after) },
    performer,
  );
  if (keys.includes('assigneeId') || keys.includes('assigneeAgentBotId'))
    await emit(after.accountId, 'assignee.changed', ids, performer);
  if (keys.includes('teamId')) await emit(after.accountId, 'team.changed', ids, performer);
}
