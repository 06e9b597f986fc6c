/**
 * `contactCreated` and `contactUpdated`: contact events of an account
 * (spec/EVENTS.md §2.5: the account stream, i.e. its staff). A contact
 * hears `contactUpdated` of themselves only. Each event is re-loaded with
 * the subscriber's selection.
 */
import type { Context } from '../../context.ts';
import { ForbiddenError, ValidationError } from '../../errors.ts';
import { builder } from '../builder.ts';
import { AFTER_ARG, SCOPE_ARG, hear, resolveEventScope } from './events.ts';

type ScopeArg = Parameters<typeof resolveEventScope>[1];

/**
 * Contact events belong to the whole account, not to an inbox or a
 * conversation: staff name the account (or leave it out when they belong to
 * only one, see resolveEventScope); a contact's scope is their own
 * account, and Visibility.canHear lets them hear only of themselves.
 * `staffOnly` refuses the subscription itself to contacts (the builder's
 * field scopes are checked on each event, not when subscribing).
 */
async function heardContactEvents<N extends 'contact.created' | 'contact.updated'>(
  context: Context,
  scope: ScopeArg,
  after: string | null | undefined,
  name: N,
  staffOnly = false,
) {
  if (staffOnly && context.principal?.kind === 'contact') throw new ForbiddenError();
  if (context.principal?.kind !== 'contact' && (scope?.inboxId != null || scope?.conversationId != null))
    throw ValidationError.of('scope', 'Scope of contact events must be an account');
  const { accountId, resume } = await resolveEventScope(context, scope, after);
  return hear(context, { accountId, resume }, [name]);
}

const reloadContact = (context: Context, query: object, event: { data: { contactId: number } }) =>
  context.db.contact.findUniqueOrThrow({ ...query, where: { id: event.data.contactId } });

builder.subscriptionField('contactCreated', (t) =>
  t.prismaField({
    type: 'Contact',
    authScopes: { staff: true },
    description: 'Contacts created in the account (staff).',
    args: { scope: t.arg(SCOPE_ARG), after: t.arg(AFTER_ARG) },
    subscribe: (_root, args, context) => heardContactEvents(context, args.scope, args.after, 'contact.created', true),
    resolve: (query, event, _args, context) => reloadContact(context, query, event as { data: { contactId: number } }),
  }),
);

builder.subscriptionField('contactUpdated', (t) =>
  t.prismaField({
    type: 'Contact',
    authScopes: { authenticated: true },
    description: 'Contacts changed in the account (staff); a contact hears only of their own changes and may omit the scope.',
    args: { scope: t.arg(SCOPE_ARG), after: t.arg(AFTER_ARG) },
    subscribe: (_root, args, context) => heardContactEvents(context, args.scope, args.after, 'contact.updated'),
    resolve: (query, event, _args, context) => reloadContact(context, query, event as { data: { contactId: number } }),
  }),
);
