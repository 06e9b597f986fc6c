/**
 * `Inbox::EventDataPresenter` (spec/EVENTS.md §1.4): the inbox as webhook
 * events show it. Note: no inbox `id` or `name`, and the raw channel row.
 */
import { isoTime } from '../wire-time.ts';
import type { InboxWithChannel } from './presenter.ts';

export function presentInboxEvent(inbox: InboxWithChannel) {
  const channel = inbox.channel;
  return {
    allow_messages_after_resolved: inbox.allowMessagesAfterResolved,
    lock_to_single_conversation: inbox.lockToSingleConversation,
    auto_assignment_config: inbox.autoAssignmentConfig,
    enable_auto_assignment: inbox.enableAutoAssignment,
    enable_email_collect: inbox.enableEmailCollect,
    greeting_enabled: inbox.greetingEnabled,
    greeting_message: inbox.greetingMessage,
    csat_survey_enabled: inbox.csatSurveyEnabled,
    business_name: inbox.businessName,
    sender_name_type: inbox.senderNameType,
    timezone: inbox.timezone,
    out_of_office_message: inbox.outOfOfficeMessage,
    working_hours_enabled: inbox.workingHoursEnabled,
    working_hours: inbox.workingHours,
    created_at: isoTime(inbox.createdAt),
    updated_at: isoTime(inbox.updatedAt),
    channel: {
      id: channel.id,
      account_id: channel.accountId,
      webhook_url: channel.webhookUrl,
      identifier: channel.identifier,
      hmac_token: channel.hmacToken,
      hmac_mandatory: channel.hmacMandatory,
      secret: channel.secret,
      additional_attributes: channel.additionalAttributes,
      created_at: isoTime(channel.createdAt),
      updated_at: isoTime(channel.updatedAt),
    },
  };
}
