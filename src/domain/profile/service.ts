/**
 * The access-token owner's own profile.
 */
import { z } from 'zod';
import type { PrismaClient } from '../../db.ts';
import { NotFoundError } from '../../errors.ts';
import { secureToken } from '../tokens.ts';
import { LIMITS, parseInput, stringColumn, type RawInput } from '../validation.ts';
import type { ProfileView } from './presenter.ts';

const AVAILABILITIES = ['online', 'offline', 'busy'] as const;

/** What a user may change about themselves (spec/API.md §4); only the keys given change. */
export const updateProfileInput = z.object({
  name: stringColumn().min(1).optional(),
  displayName: stringColumn().nullish(),
  messageSignature: z.string().max(LIMITS.text).nullish(),
  uiSettings: z.record(z.string(), z.unknown()).optional(),
  /** Stored as `custom_attributes.phone_number`, as Chatwoot does. */
  phoneNumber: stringColumn().optional(),
});
export type UpdateProfileInput = z.input<typeof updateProfileInput>;

const availabilityInput = z.object({ availability: z.enum(AVAILABILITIES) });
const autoOfflineInput = z.object({ autoOffline: z.boolean() });

export class ProfileService {
  constructor(private readonly db: PrismaClient) {}

  /** The user's profile with its token and memberships. */
  get(userId: number): Promise<ProfileView> {
    return this.db.user.findUniqueOrThrow({
      where: { id: userId },
      include: {
        accessToken: { select: { token: true } },
        accountUsers: { include: { account: true }, orderBy: { id: 'asc' } },
      },
    });
  }

  /**
   * Changes the user's own name, display name, message signature, UI
   * settings (replaced whole) or phone number (kept in custom attributes).
   */
  async update(userId: number, raw: RawInput<UpdateProfileInput>): Promise<ProfileView> {
    const input = parseInput(updateProfileInput, raw);
    let customAttributes: object | undefined;
    if (input.phoneNumber !== undefined) {
      const user = await this.db.user.findUniqueOrThrow({ where: { id: userId }, select: { customAttributes: true } });
      customAttributes = { ...(user.customAttributes as object), phone_number: input.phoneNumber };
    }
    await this.db.user.update({
      where: { id: userId },
      data: {
        name: input.name,
        displayName: input.displayName,
        messageSignature: input.messageSignature,
        uiSettings: input.uiSettings as object | undefined,
        customAttributes,
      },
    });
    return this.get(userId);
  }

  /** Sets the user's availability in one of their accounts; NotFound when they are not a member. */
  async setAvailability(userId: number, accountId: number, raw: RawInput<{ availability: string }>): Promise<ProfileView> {
    const { availability } = parseInput(availabilityInput, raw);
    await this.updateMembership(userId, accountId, { availability });
    return this.get(userId);
  }

  /** Sets whether the user goes offline automatically in one of their accounts; NotFound when not a member. */
  async setAutoOffline(userId: number, accountId: number, raw: RawInput<{ autoOffline: boolean }>): Promise<ProfileView> {
    const { autoOffline } = parseInput(autoOfflineInput, raw);
    await this.updateMembership(userId, accountId, { autoOffline });
    return this.get(userId);
  }

  /** Replaces the user's access token (`POST /profile/reset_access_token`). */
  async resetAccessToken(userId: number): Promise<void> {
    const token = secureToken();
    await this.db.accessToken.upsert({ where: { userId }, update: { token }, create: { userId, token } });
  }

  private async updateMembership(
    userId: number,
    accountId: number,
    data: { availability?: (typeof AVAILABILITIES)[number]; autoOffline?: boolean },
  ) {
    const result = Number.isSafeInteger(accountId)
      ? await this.db.accountUser.updateMany({ where: { userId, accountId }, data })
      : { count: 0 };
    if (result.count === 0) throw new NotFoundError('Account');
  }
}
