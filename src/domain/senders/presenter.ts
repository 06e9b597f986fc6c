/**
 * The shapes in which users, contacts and agent bots appear inside other
 * objects: SenderPush (REST and /cable, spec/API.md §2.7) and the webhook
 * variants (spec/EVENTS.md §1.4).
 */
import type { AccountUser, AgentBot, Contact, User } from '../../generated/prisma/client.ts';

/** A user loaded with its membership of the account being presented (at most one row). */
export type UserInAccount = User & { accountUsers: AccountUser[] };

export const availableName = (user: Pick<User, 'name' | 'displayName'>): string => user.displayName || user.name;

export const userAvailability = (user: UserInAccount): string => user.accountUsers[0]?.availability ?? 'offline';

export function presentUserPush(user: UserInAccount) {
  return {
    id: user.id,
    name: user.name,
    available_name: availableName(user),
    avatar_url: user.avatarUrl ?? '',
    type: 'user',
    availability_status: userAvailability(user),
    thumbnail: user.avatarUrl ?? '',
  };
}

export function presentContactPush(contact: Contact) {
  return {
    additional_attributes: contact.additionalAttributes,
    custom_attributes: contact.customAttributes,
    email: contact.email,
    id: contact.id,
    identifier: contact.identifier,
    name: contact.name,
    phone_number: contact.phoneNumber,
    thumbnail: contact.avatarUrl ?? '',
    blocked: contact.blocked,
    type: 'contact',
  };
}

export function presentAgentBotPush(bot: AgentBot, inboxAvatarUrl?: string | null) {
  return { id: bot.id, name: bot.name, avatar_url: bot.avatarUrl ?? inboxAvatarUrl ?? '', type: 'agent_bot' };
}

/** `Contact#webhook_data`: no `type` key (spec/EVENTS.md §1.4). */
export function presentContactWebhook(contact: Contact, account: { id: number; name: string }) {
  return {
    account: { id: account.id, name: account.name },
    additional_attributes: contact.additionalAttributes,
    avatar: contact.avatarUrl ?? '',
    custom_attributes: contact.customAttributes,
    email: contact.email,
    id: contact.id,
    identifier: contact.identifier,
    name: contact.name,
    phone_number: contact.phoneNumber,
    thumbnail: contact.avatarUrl ?? '',
    blocked: contact.blocked,
  };
}

export const presentUserWebhook = (user: User) => ({ id: user.id, name: user.name, email: user.email, type: 'user' });

export const presentAgentBotWebhook = (bot: AgentBot) => ({ id: bot.id, name: bot.name, type: 'agent_bot' });
