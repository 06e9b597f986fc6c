/**
 * Agents (spec/API.md §3.3).
 */
import { presentAgent } from '../../domain/agents/presenter.ts';
import { boolean, text } from '../params.ts';
import { ACCOUNT, type Route } from '../route.ts';

export const agentRoutes: Route[] = [
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
];
