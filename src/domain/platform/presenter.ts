/**
 * The Platform API's wire shapes (Chatwoot's `platform/api/v1/models/*`
 * views): `platform_account`, the platform `user`, and the `account_user`
 * rows. Agent bots use `presentAgentBot` (the same fields).
 */
import type { Account, AccountUser } from '../../generated/prisma/client.ts';
import { presentProfile, type ProfileView } from '../profile/presenter.ts';
import { isoTime } from '../wire-time.ts';

/** A user with their token and memberships (with accounts), as the platform user view needs it. */
export type PlatformUserView = ProfileView;

/** `platform_account`. Snypto has no feature flags: `enabled_features` is always empty. */
export function presentPlatformAccount(account: Account) {
  return {
    id: account.id,
    name: account.name,
    locale: account.locale,
    domain: account.domain,
    support_email: account.supportEmail,
    enabled_features: {},
    custom_attributes: account.customAttributes,
    limits: account.limits,
    status: account.status,
  };
}

/**
 * The platform `user`: the profile's fields (with the user's access token)
 * without `inviter_id` and `type`, `custom_attributes` only when there are
 * some, and each account as `{id, name, active_at, role}`.
 */
export function presentPlatformUser(user: PlatformUserView) {
  const { inviter_id: _inviter, type: _type, custom_attributes: customAttributes, accounts: _accounts, ...profile } =
    presentProfile(user);
  return {
    ...profile,
    ...(Object.keys(customAttributes).length > 0 ? { custom_attributes: customAttributes } : {}),
    accounts: user.accountUsers.map((membership) => ({
      id: membership.accountId,
      name: membership.account.name,
      active_at: isoTime(membership.activeAt),
      role: membership.role,
    })),
  };
}

/** An `account_user` row as Rails renders the record (`render json: account_user`). */
export function presentAccountUser(membership: AccountUser) {
  return {
    id: membership.id,
    account_id: membership.accountId,
    user_id: membership.userId,
    role: membership.role,
    inviter_id: membership.inviterId,
    availability: membership.availability,
    auto_offline: membership.autoOffline,
    active_at: isoTime(membership.activeAt),
    created_at: isoTime(membership.createdAt),
    updated_at: isoTime(membership.updatedAt),
  };
}
