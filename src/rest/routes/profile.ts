/**
 * Profile (spec/API.md §4): the access-token owner. Bots are refused by the adapter.
 */
import { presentProfile } from '../../domain/profile/presenter.ts';
import { boolean, hash, idParam, text } from '../params.ts';
import { UPDATE, type Route } from '../route.ts';

const PROFILE = '/api/v1/profile';

export const profileRoutes: Route[] = [
  {
    scope: 'user',
    method: 'GET',
    path: PROFILE,
    handle: async ({ principal, services }) => ({ body: presentProfile(await services.profile.get(principal.userId)) }),
  },
  {
    scope: 'user',
    method: UPDATE,
    path: PROFILE,
    wrap: 'profile',
    handle: async ({ principal, params, services }) => {
      const profile = await services.profile.update(principal.userId, {
        name: text(params.name),
        displayName: text(params.display_name),
        messageSignature: text(params.message_signature),
        phoneNumber: text(params.phone_number),
        uiSettings: params.ui_settings === undefined ? undefined : (hash(params.ui_settings) ?? params.ui_settings),
      });
      return { body: presentProfile(profile) };
    },
  },
  {
    scope: 'user',
    method: 'POST',
    path: `${PROFILE}/reset_access_token`,
    handle: async ({ principal, services }) => {
      await services.profile.resetAccessToken(principal.userId);
      return { body: presentProfile(await services.profile.get(principal.userId)) };
    },
  },
  {
    scope: 'user',
    method: 'POST',
    path: `${PROFILE}/availability`,
    wrap: 'profile',
    handle: async ({ principal, params, services }) => {
      const profile = await services.profile.setAvailability(principal.userId, idParam(params.account_id), {
        availability: text(params.availability),
      });
      return { body: presentProfile(profile) };
    },
  },
  {
    scope: 'user',
    method: 'POST',
    path: `${PROFILE}/auto_offline`,
    wrap: 'profile',
    handle: async ({ principal, params, services }) => {
      const profile = await services.profile.setAutoOffline(principal.userId, idParam(params.account_id), {
        autoOffline: boolean(params.auto_offline),
      });
      return { body: presentProfile(profile) };
    },
  },
];
