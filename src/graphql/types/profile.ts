/**
 * Profile: the calling user (`me`), with their access token and the
 * accounts they belong to.
 */
import { builder } from '../builder.ts';

export const ProfileType = builder.prismaObject('User', {
  variant: 'Profile',
  description: 'The calling user.',
  fields: (t) => ({
    id: t.exposeID('id', { description: 'The user\'s numeric id.' }),
    name: t.exposeString('name'),
    displayName: t.exposeString('displayName', { nullable: true }),
    availableName: t.string({ resolve: (user) => user.displayName || user.name }),
    email: t.exposeString('email'),
    avatarUrl: t.exposeString('avatarUrl', { nullable: true }),
    messageSignature: t.exposeString('messageSignature', { nullable: true }),
    uiSettings: t.expose('uiSettings', { type: 'JSONObject' }),
    pubsubToken: t.exposeString('pubsubToken', { description: 'Subscribes this user to /cable.' }),
    accessToken: t.string({
      select: { accessToken: { select: { token: true } } },
      resolve: (user) => user.accessToken?.token ?? '',
    }),
    accounts: t.prismaField({
      type: ['Account'],
      select: (_args, _ctx, nestedSelection) => ({
        accountUsers: { select: { account: nestedSelection() }, orderBy: { id: 'asc' } },
      }),
      resolve: (_query, user) => user.accountUsers.map((membership) => membership.account),
    }),
  }),
});

builder.queryField('me', (t) =>
  t.prismaField({
    type: ProfileType,
    authScopes: { user: true },
    description: 'The calling user (agents and administrators).',
    resolve: (query, _root, _args, context) =>
      context.db.user.findUniqueOrThrow({ ...query, where: { id: userIdOf(context) } }),
  }),
);

builder.mutationField('resetAccessToken', (t) =>
  t.prismaField({
    type: ProfileType,
    authScopes: { user: true },
    description: 'Replaces the calling user\'s access token; the old one stops working at once.',
    errors: {},
    resolve: async (query, _root, _args, context) => {
      const userId = userIdOf(context);
      await context.services.profile.resetAccessToken(userId);
      return context.db.user.findUniqueOrThrow({ ...query, where: { id: userId } });
    },
  }),
);

function userIdOf(context: { principal: { kind: string; userId?: number } | null }): number {
  if (context.principal?.kind !== 'user' || context.principal.userId === undefined)
    throw new Error('scope-auth lets only users reach this field');
  return context.principal.userId;
}
