/**
 * Assignment (spec/API.md §3.5 `POST /conversations/{id}/assignments`): an
 * agent of the account who can reach the conversation's inbox, an agent bot
 * of the account, or a team; null unassigns. Chatwoot's team rule applies: a
 * new team drops an assignee who is not one of its members.
 */
import { z } from 'zod';
import type { Tx } from '../../db.ts';
import { NotFoundError, ValidationError } from '../../errors.ts';
import type { Emit } from '../../events/outbox.ts';
import type { Conversation } from '../../generated/prisma/client.ts';
import type { AccountActor } from '../actor.ts';
import { saveConversation } from './status.ts';

/** Exactly one of: `assigneeId` (a user id), `agentBotId`, `teamId`; each may be null to unassign. */
export const assignConversationInput = z
  .object({
    assigneeId: z.number().int().nullish(),
    agentBotId: z.number().int().nullish(),
    teamId: z.number().int().nullish(),
  })
  .refine(
    (input) => [input.assigneeId, input.agentBotId, input.teamId].filter((v) => v !== undefined).length === 1,
    { message: 'needs exactly one of assignee_id, agent_bot_id or team_id', path: ['assigneeId'] },
  );
export type AssignConversationInput = z.input<typeof assignConversationInput>;

/** The user id of an agent of the account who may work in the inbox. */
async function assignableAgent(tx: Tx, conversation: Conversation, userId: number): Promise<number> {
  const member = await tx.accountUser.findUnique({
    where: { accountId_userId: { accountId: conversation.accountId, userId } },
    select: { role: true },
  });
  if (!member) throw new NotFoundError('Agent');
  if (member.role === 'administrator') return userId;
  const inboxMember = await tx.inboxMember.findUnique({
    where: { inboxId_userId: { inboxId: conversation.inboxId, userId } },
    select: { id: true },
  });
  if (!inboxMember) throw ValidationError.of('assigneeId', 'Assignee is not a member of the inbox');
  return userId;
}

/** An agent bot of the account, or a global bot connected to one of its inboxes. */
async function assignableBot(tx: Tx, accountId: number, agentBotId: number): Promise<number> {
  const bot = await tx.agentBot.findFirst({
    where: { id: agentBotId, OR: [{ accountId }, { inboxes: { some: { accountId } } }] },
    select: { id: true },
  });
  if (!bot) throw new NotFoundError('AgentBot');
  return bot.id;
}

/**
 * Assigns the conversation. An agent or bot assignee replaces the other kind
 * (a conversation has one assignee); `assigneeId: null` clears both,
 * `agentBotId: null` only the bot. A team keeps the assignee only if they
 * are a member of it.
 */
export async function assign(
  tx: Tx,
  emit: Emit,
  actor: AccountActor,
  conversation: Conversation,
  input: z.output<typeof assignConversationInput>,
): Promise<Conversation> {
  if (input.assigneeId !== undefined) {
    const assigneeId = input.assigneeId === null ? null : await assignableAgent(tx, conversation, input.assigneeId);
    return saveConversation(tx, emit, actor, conversation, { assigneeId, assigneeAgentBotId: null });
  }
  if (input.agentBotId !== undefined) {
    if (input.agentBotId === null) return saveConversation(tx, emit, actor, conversation, { assigneeAgentBotId: null });
    const assigneeAgentBotId = await assignableBot(tx, conversation.accountId, input.agentBotId);
    return saveConversation(tx, emit, actor, conversation, { assigneeAgentBotId, assigneeId: null });
  }
  if (input.teamId === null || input.teamId === undefined)
    return saveConversation(tx, emit, actor, conversation, { teamId: null });
  const team = await tx.team.findFirst({
    where: { id: input.teamId, accountId: conversation.accountId },
    select: { id: true, members: { select: { userId: true } } },
  });
  if (!team) throw new NotFoundError('Team');
  const keepsAssignee = conversation.assigneeId === null || team.members.some((m) => m.userId === conversation.assigneeId);
  return saveConversation(tx, emit, actor, conversation, {
    teamId: team.id,
    ...(keepsAssignee ? {} : { assigneeId: null }),
  });
}
