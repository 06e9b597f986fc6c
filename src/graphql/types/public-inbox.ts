/**
 * PublicInbox: what a customer-facing client may read about an API inbox
 * before it has a session (spec/API.md §5.1, REST `GET
 * /public/api/v1/inboxes/{inbox_identifier}`): its name, schedule and the
 * switches a chat UI needs. No credentials are needed, so it carries no
 * id of the Inbox node, no secret (hmac token, webhook) and no account.
 */
import type { WorkingHoursDay } from '../../domain/inboxes/settings.ts';
import type { PublicInbox } from '../../domain/client/service.ts';
import { builder } from '../builder.ts';
import { WorkingHoursDayType } from './inbox.ts';

export const PublicInboxType = builder.objectRef<PublicInbox>('PublicInbox').implement({
  description: 'The public face of an API inbox, readable without credentials.',
  fields: (t) => ({
    identifier: t.string({
      description: 'The inbox identifier customer-facing clients send (X-Inbox-Identifier).',
      resolve: (inbox) => inbox.channel.identifier,
    }),
    name: t.exposeString('name'),
    timezone: t.exposeString('timezone'),
    workingHoursEnabled: t.exposeBoolean('workingHoursEnabled'),
    workingHours: t.field({
      type: [WorkingHoursDayType],
      description: 'The weekly schedule, day 0 (Sunday) to 6.',
      resolve: (inbox) => (Array.isArray(inbox.workingHours) ? (inbox.workingHours as unknown as WorkingHoursDay[]) : []),
    }),
    csatSurveyEnabled: t.exposeBoolean('csatSurveyEnabled'),
    greetingEnabled: t.exposeBoolean('greetingEnabled'),
    identityValidationEnabled: t.boolean({
      description: 'Whether sessions must prove the contact\'s identity (identifier + identifierHash) before they may act.',
      resolve: (inbox) => inbox.channel.hmacMandatory,
    }),
  }),
});

builder.queryField('publicInbox', (t) =>
  t.field({
    type: PublicInboxType,
    description: 'An API inbox by its inbox identifier; no credentials needed. NotFoundError for an unknown identifier.',
    errors: {},
    args: { identifier: t.arg.string({ required: true }) },
    resolve: (_root, args, context) => context.services.clientSessions.inbox(args.identifier),
  }),
);
