/**
 * The `Agent` wire shape (spec/API.md §2.4): a user as a member of one account.
 */
import { availableName, type UserInAccount } from '../senders/presenter.ts';

/** `user.accountUsers` must hold the membership of the account being presented. */
export function presentAgent(user: UserInAccount) {
  const membership = user.accountUsers[0];
  const customAttributes = user.customAttributes as Record<string, unknown>;
  return {
    id: user.id,
    account_id: membership?.accountId ?? null,
    availability_status: membership?.availability ?? 'offline',
    auto_offline: membership?.autoOffline ?? true,
    confirmed: user.confirmed,
    email: user.email,
    provider: 'email',
    available_name: availableName(user),
    ...(Object.keys(customAttributes).length > 0 ? { custom_attributes: customAttributes } : {}),
    name: user.name,
    role: membership?.role ?? 'agent',
    thumbnail: user.avatarUrl ?? '',
  };
}
