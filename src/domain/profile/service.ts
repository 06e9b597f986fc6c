/**
 * The access-token owner's own profile.
 */
import type { PrismaClient } from '../../db.ts';
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
}
