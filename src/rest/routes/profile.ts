/**
 * Profile (spec/API.md §4).
 */
import { presentProfile } from '../../domain/profile/presenter.ts';
import type { Route } from '../route.ts';

export const profileRoutes: Route[] = [
  {
    scope: 'user',
    method: 'GET',
    path: '/api/v1/profile',
    handle: async ({ principal, services }) => ({ body: presentProfile(await services.profile.get(principal.userId)) }),
  },
];
