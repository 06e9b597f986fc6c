/**
 * The profile wire shape (spec/API.md §4): the token owner with its accounts.
 */
import type { Account, AccountUser, User } from '../../generated/prisma/client.ts';
import { availableName } from '../senders/presenter.ts';

export type ProfileView = User & {
  accessToken: { token: string } | null;
  accountUsers: (AccountUser & { account: Account })[];
};

/** The membership Chatwoot calls current: the most recently active one. */
function currentMembership(user: ProfileView) {
  return [...user.accountUsers].sort(
    (a, b) => (b.activeAt?.getTime() ?? 0) - (a.activeAt?.getTime() ?? 0) || a.id - b.id,
  )[0];
}

export function presentProfile(user: ProfileView) {
  const current = currentMembership(user);
  const customAttributes = user.customAttributes as Record<string, unknown>;
  return {
    access_token: user.accessToken?.token ?? null,
    account_id: current?.accountId ?? null,
    available_name: availableName(user),
    avatar_url: user.avatarUrl ?? '',
    confirmed: user.confirmed,
    display_name: user.displayName,
    message_signature: user.messageSignature,
    email: user.email,
    id: user.id,
    inviter_id: current?.inviterId ?? null,
    name: user.name,
    provider: 'email',
    pubsub_token: user.pubsubToken,
    custom_attributes: customAttributes,
    role: current?.role ?? null,
    ui_settings: user.uiSettings,
    uid: user.email,
    type: user.type,
    accounts: user.accountUsers.map((membership) => ({
      id: membership.accountId,
      name: membership.account.name,
      status: membership.account.status,
      active_at: membership.activeAt?.toISOString() ?? null,
      role: membership.role,
      permissions: [membership.role],
      availability: membership.availability,
      availability_status: membership.availability,
      auto_offline: membership.autoOffline,
    })),
  };
}
