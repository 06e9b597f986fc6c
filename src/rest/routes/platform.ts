/**
 * The Platform API (`/platform/api/v1`): a platform app's token provisions
 * accounts, their users, users and agent bots (Chatwoot's
 * `Platform::Api::V1::*` controllers). Parameters are read at the top level
 * or inside Rails' wrapper key.
 */
import { presentAgentBot } from '../../domain/agent-bots/presenter.ts';
import { presentAccountUser, presentPlatformAccount, presentPlatformUser } from '../../domain/platform/presenter.ts';
import { hash, idParam, integer, optionalId, text, type Params } from '../params.ts';
import { PLATFORM, UPDATE, type PlatformRoute } from '../route.ts';

const accountInput = (params: Params) => ({
  name: text(params.name),
  locale: text(params.locale),
  domain: text(params.domain),
  supportEmail: text(params.support_email),
  status: text(params.status),
  limits: hash(params.limits) ?? params.limits,
  customAttributes: hash(params.custom_attributes) ?? params.custom_attributes,
});

const userInput = (params: Params) => ({
  name: text(params.name),
  displayName: text(params.display_name),
  email: text(params.email),
  password: text(params.password),
  customAttributes: hash(params.custom_attributes) ?? params.custom_attributes,
});

const agentBotInput = (params: Params) => ({
  name: text(params.name),
  description: text(params.description),
  outgoingUrl: text(params.outgoing_url),
  avatarUrl: text(params.avatar_url),
  accountId: 'account_id' in params ? optionalId(params.account_id) ?? null : undefined,
});

const ACCOUNTS = `${PLATFORM}/accounts`;
const USERS = `${PLATFORM}/users`;
const AGENT_BOTS = `${PLATFORM}/agent_bots`;

const accountRoutes: PlatformRoute[] = [
  {
    scope: 'platform',
    method: 'POST',
    path: ACCOUNTS,
    wrap: 'account',
    handle: async ({ principal, params, services }) => ({
      body: presentPlatformAccount(await services.platform.accounts.create(principal.platformAppId, accountInput(params))),
    }),
  },
  {
    scope: 'platform',
    method: 'GET',
    path: `${ACCOUNTS}/:account_id`,
    handle: async ({ principal, params, services }) => ({
      body: presentPlatformAccount(await services.platform.accounts.get(principal.platformAppId, idParam(params.account_id))),
    }),
  },
  {
    scope: 'platform',
    method: UPDATE,
    path: `${ACCOUNTS}/:account_id`,
    wrap: 'account',
    handle: async ({ principal, params, services }) => ({
      body: presentPlatformAccount(
        await services.platform.accounts.update(principal.platformAppId, idParam(params.account_id), accountInput(params)),
      ),
    }),
  },
  {
    scope: 'platform',
    method: 'DELETE',
    path: `${ACCOUNTS}/:account_id`,
    handle: async ({ principal, params, services }) => {
      await services.platform.accounts.remove(principal.platformAppId, idParam(params.account_id));
      return {};
    },
  },
];

const accountUserRoutes: PlatformRoute[] = [
  {
    scope: 'platform',
    method: 'GET',
    path: `${ACCOUNTS}/:account_id/account_users`,
    handle: async ({ principal, params, services }) => ({
      body: (await services.platform.accountUsers.list(principal.platformAppId, idParam(params.account_id))).map(
        presentAccountUser,
      ),
    }),
  },
  {
    scope: 'platform',
    method: 'POST',
    path: `${ACCOUNTS}/:account_id/account_users`,
    wrap: 'account_user',
    handle: async ({ principal, params, services }) => ({
      body: presentAccountUser(
        await services.platform.accountUsers.upsert(principal.platformAppId, idParam(params.account_id), {
          userId: integer(params.user_id),
          role: text(params.role),
        }),
      ),
    }),
  },
  {
    scope: 'platform',
    method: 'DELETE',
    path: `${ACCOUNTS}/:account_id/account_users`,
    wrap: 'account_user',
    handle: async ({ principal, params, services }) => {
      await services.platform.accountUsers.remove(principal.platformAppId, idParam(params.account_id), integer(params.user_id));
      return {};
    },
  },
];

const userRoutes: PlatformRoute[] = [
  {
    scope: 'platform',
    method: 'POST',
    path: USERS,
    wrap: 'user',
    handle: async ({ principal, params, services }) => ({
      body: presentPlatformUser(await services.platform.users.create(principal.platformAppId, userInput(params))),
    }),
  },
  {
    scope: 'platform',
    method: 'GET',
    path: `${USERS}/:id`,
    handle: async ({ principal, params, services }) => ({
      body: presentPlatformUser(await services.platform.users.get(principal.platformAppId, idParam(params.id))),
    }),
  },
  {
    scope: 'platform',
    method: UPDATE,
    path: `${USERS}/:id`,
    wrap: 'user',
    handle: async ({ principal, params, services }) => ({
      body: presentPlatformUser(
        await services.platform.users.update(principal.platformAppId, idParam(params.id), userInput(params)),
      ),
    }),
  },
  {
    scope: 'platform',
    method: 'DELETE',
    path: `${USERS}/:id`,
    handle: async ({ principal, params, services }) => {
      await services.platform.users.remove(principal.platformAppId, idParam(params.id));
      return {};
    },
  },
  {
    scope: 'platform',
    method: 'GET',
    path: `${USERS}/:id/login`,
    handle: async ({ principal, params, services }) => ({
      body: { url: await services.platform.users.loginUrl(principal.platformAppId, idParam(params.id)) },
    }),
  },
];

const agentBotRoutes: PlatformRoute[] = [
  {
    scope: 'platform',
    method: 'GET',
    path: AGENT_BOTS,
    handle: async ({ principal, services }) => ({
      body: (await services.platform.agentBots.list(principal.platformAppId)).map(presentAgentBot),
    }),
  },
  {
    scope: 'platform',
    method: 'POST',
    path: AGENT_BOTS,
    wrap: 'agent_bot',
    handle: async ({ principal, params, services }) => ({
      body: presentAgentBot(await services.platform.agentBots.create(principal.platformAppId, agentBotInput(params))),
    }),
  },
  {
    scope: 'platform',
    method: 'GET',
    path: `${AGENT_BOTS}/:id`,
    handle: async ({ principal, params, services }) => ({
      body: presentAgentBot(await services.platform.agentBots.get(principal.platformAppId, idParam(params.id))),
    }),
  },
  {
    scope: 'platform',
    method: UPDATE,
    path: `${AGENT_BOTS}/:id`,
    wrap: 'agent_bot',
    handle: async ({ principal, params, services }) => ({
      body: presentAgentBot(
        await services.platform.agentBots.update(principal.platformAppId, idParam(params.id), agentBotInput(params)),
      ),
    }),
  },
  {
    scope: 'platform',
    method: 'DELETE',
    path: `${AGENT_BOTS}/:id`,
    handle: async ({ principal, params, services }) => {
      await services.platform.agentBots.remove(principal.platformAppId, idParam(params.id));
      return {};
    },
  },
];

export const platformRoutes: PlatformRoute[] = [...accountRoutes, ...accountUserRoutes, ...userRoutes, ...agentBotRoutes];
