/**
 * The access-token owner's own profile.
 */
import type { PrismaClient } from '../../db.ts';
import { secureToken } from '../tokens.ts';
import type { ProfileView } from './presenter.ts';

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

  /** Replaces the user's access token (`POST /profile/reset_access_token`). */
  async resetAccessToken(userId: number): Promise<void> {
    const token = secureToken();
    await this.db.accessToken.upsert({ where: { userId }, update: { token }, create: { userId, token } });
  }
}
