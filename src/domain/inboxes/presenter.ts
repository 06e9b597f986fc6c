/**
 * The `Inbox` wire shape for an API-channel inbox (spec/API.md §2.3).
 * `hmac_token` is shown to account administrators only.
 */
import type { ChannelApi, Inbox } from '../../generated/prisma/client.ts';

export type InboxWithChannel = Inbox & { channel: ChannelApi };

export function presentInbox(inbox: InboxWithChannel, viewerIsAdministrator: boolean) {
  return {
    id: inbox.id,
    avatar_url: inbox.avatarUrl ?? '',
    channel_id: inbox.channelId,
    name: inbox.name,
    channel_type: inbox.channelType,
    greeting_enabled: inbox.greetingEnabled,
    greeting_message: inbox.greetingMessage,
    working_hours_enabled: inbox.workingHoursEnabled,
    enable_email_collect: inbox.enableEmailCollect,
    csat_survey_enabled: inbox.csatSurveyEnabled,
    csat_config: inbox.csatConfig,
    enable_auto_assignment: inbox.enableAutoAssignment,
    auto_assignment_config: inbox.autoAssignmentConfig,
    out_of_office_message: inbox.outOfOfficeMessage,
    working_hours: inbox.workingHours,
    timezone: inbox.timezone,
    callback_webhook_url: null,
    allow_messages_after_resolved: inbox.allowMessagesAfterResolved,
    lock_to_single_conversation: inbox.lockToSingleConversation,
    sender_name_type: inbox.senderNameType,
    business_name: inbox.businessName,
    allowed_domains: null,
    widget_color: null,
    website_url: null,
    hmac_mandatory: inbox.channel.hmacMandatory,
    welcome_title: null,
    welcome_tagline: null,
    web_widget_script: null,
    website_token: null,
    selected_feature_flags: null,
    reply_time: null,
    messaging_service_sid: null,
    phone_number: null,
    ...(viewerIsAdministrator ? { hmac_token: inbox.channel.hmacToken } : {}),
    webhook_url: inbox.channel.webhookUrl,
    inbox_identifier: inbox.channel.identifier,
    additional_attributes: inbox.channel.additionalAttributes,
    provider: null,
  };
}

/** The raw inbox row as Rails' `to_json` renders it (snake_case columns). */
export function presentInboxRow(inbox: Inbox) {
  return {
    id: inbox.id,
    channel_id: inbox.channelId,
    account_id: inbox.accountId,
    name: inbox.name,
    created_at: inbox.createdAt.toISOString(),
    updated_at: inbox.updatedAt.toISOString(),
    channel_type: inbox.channelType,
    enable_auto_assignment: inbox.enableAutoAssignment,
    greeting_enabled: inbox.greetingEnabled,
    greeting_message: inbox.greetingMessage,
    enable_email_collect: inbox.enableEmailCollect,
    csat_survey_enabled: inbox.csatSurveyEnabled,
    allow_messages_after_resolved: inbox.allowMessagesAfterResolved,
    auto_assignment_config: inbox.autoAssignmentConfig,
    lock_to_single_conversation: inbox.lockToSingleConversation,
    sender_name_type: inbox.senderNameType,
    business_name: inbox.businessName,
    timezone: inbox.timezone,
    working_hours_enabled: inbox.workingHoursEnabled,
    out_of_office_message: inbox.outOfOfficeMessage,
  };
}

