/**
 * The Platform API's services: what a platform app (an operator's
 * provisioning system) may do with accounts, their users, users and agent bots.
 */
import type { PrismaClient } from '../../db.ts';
import type { Outbox } from '../../events/outbox.ts';
import type { ProfileService } from '../profile/service.ts';
import { PlatformAccountUserService } from './account-users.ts';
import { PlatformAccountService } from './accounts.ts';
import { PlatformAgentBotService } from './agent-bots.ts';
import { LoginTokens } from './login-tokens.ts';
import { PlatformUserService } from './users.ts';

export interface PlatformServices {
  accounts: PlatformAccountService;
  accountUsers: PlatformAccountUserService;
  users: PlatformUserService;
  agentBots: PlatformAgentBotService;
  loginTokens: LoginTokens;
}

export function createPlatformServices(
  db: PrismaClient,
  outbox: Outbox,
  profiles: ProfileService,
  options: { frontendUrl: string },
): PlatformServices {
  const accounts = new PlatformAccountService(db);
  const loginTokens = new LoginTokens(db);
  return {
    accounts,
    accountUsers: new PlatformAccountUserService(db, outbox, accounts),
    users: new PlatformUserService(db, outbox, profiles, loginTokens, options.frontendUrl),
    agentBots: new PlatformAgentBotService(db),
    loginTokens,
  };
}
