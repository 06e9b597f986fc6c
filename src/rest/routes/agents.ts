/**
 * Agents (spec/API.md §3.3). The agent's REST id is its user id (spec §2.4).
 */
import { presentAgent } from '../../domain/agents/presenter.ts';
import { boolean, idParam, text } from '../params.ts';
import { ACCOUNT, UPDATE, type Route } from '../route.ts';

export const agentRoutes: Route[] = [
  {
    scope: 'account',
    method: 'GET',
    path: `${ACCOUNT}/agents`,
    handle: async ({ actor, services }) => ({ body: (await services.agents.list(actor)).map(presentAgent) }),
  },
  {
    scope: 'account',
    method: 'POST',
    path: `${ACCOUNT}/agents`,
    wrap: 'agent',
    handle: async ({ actor, params, services }) => {
      const agent = await services.agents.create(actor, {
        name: text(params.name),
        email: text(params.email),
        role: text(params.role),
        availability: text(params.availability),
        autoOffline: boolean(params.auto_offline),
      });
      return { body: presentAgent(agent) };
    },
  },
  {
    scope: 'account',
    method: 'POST',
    path: `${ACCOUNT}/agents/bulk_create`,
    handle: async ({ actor, params, services }) => {
      await services.agents.bulkCreate(actor, params.emails);
      return {};
    },
  },
  {
    scope: 'account',
    method: UPDATE,
    path: `${ACCOUNT}/agents/:id`,
    wrap: 'agent',
    handle: async ({ actor, params, services }) => {
      const agent = await services.agents.update(actor, idParam(params.id), {
        name: text(params.name),
        role: text(params.role),
        availability: text(params.availability),
        autoOffline: boolean(params.auto_offline),
      });
      return { body: presentAgent(agent) };
    },
  },
  {
    scope: 'account',
    method: 'DELETE',
    path: `${ACCOUNT}/agents/:id`,
    handle: async ({ actor, params, services }) => {
      await services.agents.remove(actor, idParam(params.id));
      return {};
    },
  },
];
