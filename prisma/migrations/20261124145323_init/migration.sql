-- CreateEnum
CREATE TYPE "AccountStatus" AS ENUM ('active', 'suspended');

-- CreateEnum
CREATE TYPE "AccountUserRole" AS ENUM ('agent', 'administrator');

-- CreateEnum
CREATE TYPE "Availability" AS ENUM ('online', 'offline', 'busy');

-- CreateEnum
CREATE TYPE "ContactType" AS ENUM ('visitor', 'lead', 'customer');

-- CreateEnum
CREATE TYPE "SenderNameType" AS ENUM ('friendly', 'professional');

-- CreateEnum
CREATE TYPE "ConversationStatus" AS ENUM ('open', 'resolved', 'pending', 'snoozed');

-- CreateEnum
CREATE TYPE "ConversationPriority" AS ENUM ('low', 'medium', 'high', 'urgent');

-- CreateEnum
CREATE TYPE "MessageType" AS ENUM ('incoming', 'outgoing', 'activity', 'template');

-- CreateEnum
CREATE TYPE "MessageContentType" AS ENUM ('text', 'input_text', 'input_textarea', 'input_email', 'input_select', 'cards', 'form', 'article', 'incoming_email', 'input_csat', 'integrations', 'sticker', 'voice_call');

-- CreateEnum
CREATE TYPE "MessageStatus" AS ENUM ('sent', 'delivered', 'read', 'failed');

-- CreateEnum
CREATE TYPE "SenderType" AS ENUM ('Contact', 'User', 'AgentBot');

-- CreateEnum
CREATE TYPE "AgentBotInboxStatus" AS ENUM ('active', 'inactive');

-- CreateEnum
CREATE TYPE "WebhookDestination" AS ENUM ('account_webhook', 'api_inbox_webhook');

-- CreateEnum
CREATE TYPE "WebhookDeliveryState" AS ENUM ('pending', 'succeeded', 'failed', 'disabled');

-- CreateTable
CREATE TABLE "accounts" (
    "id" SERIAL NOT NULL,
    "name" VARCHAR(255) NOT NULL,
    "status" "AccountStatus" NOT NULL DEFAULT 'active',
    "locale" VARCHAR(255) NOT NULL DEFAULT 'en',
    "custom_attributes" JSONB NOT NULL DEFAULT '{}',
    "last_conversation_display_id" INTEGER NOT NULL DEFAULT 0,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "accounts_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "users" (
    "id" SERIAL NOT NULL,
    "name" VARCHAR(255) NOT NULL,
    "display_name" VARCHAR(255),
    "email" VARCHAR(255) NOT NULL,
    "pubsub_token" VARCHAR(255) NOT NULL,
    "message_signature" TEXT,
    "avatar_url" VARCHAR(2048),
    "ui_settings" JSONB NOT NULL DEFAULT '{}',
    "custom_attributes" JSONB NOT NULL DEFAULT '{}',
    "confirmed" BOOLEAN NOT NULL DEFAULT true,
    "type" VARCHAR(255),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "users_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "account_users" (
    "id" SERIAL NOT NULL,
    "account_id" INTEGER NOT NULL,
    "user_id" INTEGER NOT NULL,
    "role" "AccountUserRole" NOT NULL DEFAULT 'agent',
    "availability" "Availability" NOT NULL DEFAULT 'online',
    "auto_offline" BOOLEAN NOT NULL DEFAULT true,
    "inviter_id" INTEGER,
    "active_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "account_users_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "access_tokens" (
    "id" SERIAL NOT NULL,
    "token" VARCHAR(255) NOT NULL,
    "user_id" INTEGER,
    "agent_bot_id" INTEGER,
    "platform_app_id" INTEGER,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "access_tokens_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "platform_apps" (
    "id" SERIAL NOT NULL,
    "name" VARCHAR(255) NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "platform_apps_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "platform_app_permissibles" (
    "id" SERIAL NOT NULL,
    "platform_app_id" INTEGER NOT NULL,
    "permissible_type" VARCHAR(255) NOT NULL,
    "permissible_id" INTEGER NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "platform_app_permissibles_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "agent_bots" (
    "id" SERIAL NOT NULL,
    "account_id" INTEGER,
    "name" VARCHAR(255) NOT NULL,
    "description" TEXT,
    "outgoing_url" VARCHAR(2048),
    "avatar_url" VARCHAR(2048),
    "bot_type" VARCHAR(255) NOT NULL DEFAULT 'webhook',
    "bot_config" JSONB NOT NULL DEFAULT '{}',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "agent_bots_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "agent_bot_inboxes" (
    "id" SERIAL NOT NULL,
    "inbox_id" INTEGER NOT NULL,
    "agent_bot_id" INTEGER NOT NULL,
    "account_id" INTEGER NOT NULL,
    "status" "AgentBotInboxStatus" NOT NULL DEFAULT 'active',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "agent_bot_inboxes_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "channel_api" (
    "id" SERIAL NOT NULL,
    "account_id" INTEGER NOT NULL,
    "webhook_url" VARCHAR(2048),
    "identifier" VARCHAR(255) NOT NULL,
    "hmac_token" VARCHAR(255) NOT NULL,
    "hmac_mandatory" BOOLEAN NOT NULL DEFAULT false,
    "secret" VARCHAR(255) NOT NULL,
    "additional_attributes" JSONB NOT NULL DEFAULT '{}',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "channel_api_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "inboxes" (
    "id" SERIAL NOT NULL,
    "account_id" INTEGER NOT NULL,
    "channel_id" INTEGER NOT NULL,
    "channel_type" VARCHAR(255) NOT NULL DEFAULT 'Channel::Api',
    "name" VARCHAR(255) NOT NULL,
    "avatar_url" VARCHAR(2048),
    "greeting_enabled" BOOLEAN NOT NULL DEFAULT false,
    "greeting_message" TEXT,
    "enable_email_collect" BOOLEAN NOT NULL DEFAULT true,
    "csat_survey_enabled" BOOLEAN NOT NULL DEFAULT false,
    "csat_config" JSONB NOT NULL DEFAULT '{}',
    "enable_auto_assignment" BOOLEAN NOT NULL DEFAULT true,
    "auto_assignment_config" JSONB NOT NULL DEFAULT '{}',
    "out_of_office_message" TEXT,
    "working_hours_enabled" BOOLEAN NOT NULL DEFAULT false,
    "working_hours" JSONB NOT NULL,
    "timezone" VARCHAR(255) NOT NULL DEFAULT 'UTC',
    "allow_messages_after_resolved" BOOLEAN NOT NULL DEFAULT true,
    "lock_to_single_conversation" BOOLEAN NOT NULL DEFAULT false,
    "sender_name_type" "SenderNameType" NOT NULL DEFAULT 'friendly',
    "business_name" VARCHAR(255),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "inboxes_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "inbox_members" (
    "id" SERIAL NOT NULL,
    "inbox_id" INTEGER NOT NULL,
    "user_id" INTEGER NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "inbox_members_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "teams" (
    "id" SERIAL NOT NULL,
    "account_id" INTEGER NOT NULL,
    "name" VARCHAR(255) NOT NULL,
    "description" TEXT,
    "allow_auto_assign" BOOLEAN NOT NULL DEFAULT true,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "teams_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "team_members" (
    "id" SERIAL NOT NULL,
    "team_id" INTEGER NOT NULL,
    "user_id" INTEGER NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "team_members_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "contacts" (
    "id" SERIAL NOT NULL,
    "account_id" INTEGER NOT NULL,
    "name" VARCHAR(255) NOT NULL DEFAULT '',
    "middle_name" VARCHAR(255) NOT NULL DEFAULT '',
    "last_name" VARCHAR(255) NOT NULL DEFAULT '',
    "email" VARCHAR(255),
    "phone_number" VARCHAR(255),
    "identifier" VARCHAR(255),
    "avatar_url" VARCHAR(2048),
    "additional_attributes" JSONB NOT NULL DEFAULT '{}',
    "custom_attributes" JSONB NOT NULL DEFAULT '{}',
    "labels" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "blocked" BOOLEAN NOT NULL DEFAULT false,
    "contact_type" "ContactType" NOT NULL DEFAULT 'visitor',
    "location" VARCHAR(255) NOT NULL DEFAULT '',
    "country_code" VARCHAR(255) NOT NULL DEFAULT '',
    "last_activity_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "contacts_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "contact_inboxes" (
    "id" SERIAL NOT NULL,
    "account_id" INTEGER NOT NULL,
    "contact_id" INTEGER NOT NULL,
    "inbox_id" INTEGER NOT NULL,
    "source_id" TEXT NOT NULL,
    "pubsub_token" VARCHAR(255) NOT NULL,
    "hmac_verified" BOOLEAN NOT NULL DEFAULT false,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "contact_inboxes_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "conversations" (
    "id" SERIAL NOT NULL,
    "account_id" INTEGER NOT NULL,
    "display_id" INTEGER NOT NULL,
    "uuid" UUID NOT NULL,
    "inbox_id" INTEGER NOT NULL,
    "contact_id" INTEGER NOT NULL,
    "contact_inbox_id" INTEGER NOT NULL,
    "status" "ConversationStatus" NOT NULL DEFAULT 'open',
    "priority" "ConversationPriority",
    "assignee_id" INTEGER,
    "assignee_agent_bot_id" INTEGER,
    "team_id" INTEGER,
    "labels" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "snoozed_until" TIMESTAMPTZ(3),
    "agent_last_seen_at" TIMESTAMPTZ(3),
    "assignee_last_seen_at" TIMESTAMPTZ(3),
    "contact_last_seen_at" TIMESTAMPTZ(3),
    "last_activity_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "waiting_since" TIMESTAMPTZ(3),
    "first_reply_created_at" TIMESTAMPTZ(3),
    "custom_attributes" JSONB NOT NULL DEFAULT '{}',
    "additional_attributes" JSONB NOT NULL DEFAULT '{}',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "conversations_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "messages" (
    "id" SERIAL NOT NULL,
    "account_id" INTEGER NOT NULL,
    "inbox_id" INTEGER NOT NULL,
    "conversation_id" INTEGER NOT NULL,
    "message_type" "MessageType" NOT NULL,
    "content_type" "MessageContentType" NOT NULL DEFAULT 'text',
    "content" TEXT,
    "content_attributes" JSONB NOT NULL DEFAULT '{}',
    "private" BOOLEAN NOT NULL DEFAULT false,
    "status" "MessageStatus" NOT NULL DEFAULT 'sent',
    "source_id" TEXT,
    "sender_type" "SenderType",
    "sender_contact_id" INTEGER,
    "sender_user_id" INTEGER,
    "sender_agent_bot_id" INTEGER,
    "external_source_ids" JSONB NOT NULL DEFAULT '{}',
    "additional_attributes" JSONB NOT NULL DEFAULT '{}',
    "processed_message_content" TEXT,
    "sentiment" JSONB NOT NULL DEFAULT '{}',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "messages_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "webhooks" (
    "id" SERIAL NOT NULL,
    "account_id" INTEGER NOT NULL,
    "inbox_id" INTEGER,
    "name" VARCHAR(255),
    "url" VARCHAR(2048) NOT NULL,
    "subscriptions" TEXT[] DEFAULT ARRAY['conversation_status_changed', 'conversation_updated', 'conversation_created', 'contact_created', 'contact_updated', 'message_created', 'message_updated', 'webwidget_triggered']::TEXT[],
    "secret" VARCHAR(255) NOT NULL,
    "disabled_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "webhooks_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "events" (
    "id" BIGSERIAL NOT NULL,
    "account_id" INTEGER NOT NULL,
    "name" VARCHAR(255) NOT NULL,
    "data" JSONB NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "events_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "webhook_deliveries" (
    "id" UUID NOT NULL,
    "event_id" BIGINT NOT NULL,
    "account_id" INTEGER NOT NULL,
    "destination" "WebhookDestination" NOT NULL,
    "webhook_id" INTEGER,
    "inbox_id" INTEGER,
    "url" VARCHAR(2048) NOT NULL,
    "event_name" VARCHAR(255) NOT NULL,
    "body" TEXT,
    "state" "WebhookDeliveryState" NOT NULL DEFAULT 'pending',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "next_attempt_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_attempt_at" TIMESTAMPTZ(3),
    "response_status" INTEGER,
    "duration_ms" INTEGER,
    "last_error" TEXT,
    "locked_until" TIMESTAMPTZ(3),
    "locked_by" VARCHAR(255),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "webhook_deliveries_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "users_email_key" ON "users"("email");

-- CreateIndex
CREATE UNIQUE INDEX "users_pubsub_token_key" ON "users"("pubsub_token");

-- CreateIndex
CREATE INDEX "account_users_user_id_idx" ON "account_users"("user_id");

-- CreateIndex
CREATE UNIQUE INDEX "account_users_account_id_user_id_key" ON "account_users"("account_id", "user_id");

-- CreateIndex
CREATE UNIQUE INDEX "access_tokens_token_key" ON "access_tokens"("token");

-- CreateIndex
CREATE UNIQUE INDEX "access_tokens_user_id_key" ON "access_tokens"("user_id");

-- CreateIndex
CREATE UNIQUE INDEX "access_tokens_agent_bot_id_key" ON "access_tokens"("agent_bot_id");

-- CreateIndex
CREATE UNIQUE INDEX "access_tokens_platform_app_id_key" ON "access_tokens"("platform_app_id");

-- CreateIndex
CREATE UNIQUE INDEX "platform_app_permissibles_platform_app_id_permissible_type__key" ON "platform_app_permissibles"("platform_app_id", "permissible_type", "permissible_id");

-- CreateIndex
CREATE INDEX "agent_bots_account_id_idx" ON "agent_bots"("account_id");

-- CreateIndex
CREATE UNIQUE INDEX "agent_bot_inboxes_inbox_id_key" ON "agent_bot_inboxes"("inbox_id");

-- CreateIndex
CREATE INDEX "agent_bot_inboxes_agent_bot_id_idx" ON "agent_bot_inboxes"("agent_bot_id");

-- CreateIndex
CREATE INDEX "agent_bot_inboxes_account_id_idx" ON "agent_bot_inboxes"("account_id");

-- CreateIndex
CREATE UNIQUE INDEX "channel_api_identifier_key" ON "channel_api"("identifier");

-- CreateIndex
CREATE UNIQUE INDEX "channel_api_hmac_token_key" ON "channel_api"("hmac_token");

-- CreateIndex
CREATE INDEX "channel_api_account_id_idx" ON "channel_api"("account_id");

-- CreateIndex
CREATE UNIQUE INDEX "inboxes_channel_id_key" ON "inboxes"("channel_id");

-- CreateIndex
CREATE INDEX "inboxes_account_id_idx" ON "inboxes"("account_id");

-- CreateIndex
CREATE INDEX "inbox_members_user_id_idx" ON "inbox_members"("user_id");

-- CreateIndex
CREATE UNIQUE INDEX "inbox_members_inbox_id_user_id_key" ON "inbox_members"("inbox_id", "user_id");

-- CreateIndex
CREATE UNIQUE INDEX "teams_account_id_name_key" ON "teams"("account_id", "name");

-- CreateIndex
CREATE INDEX "team_members_user_id_idx" ON "team_members"("user_id");

-- CreateIndex
CREATE UNIQUE INDEX "team_members_team_id_user_id_key" ON "team_members"("team_id", "user_id");

-- CreateIndex
CREATE INDEX "contacts_account_id_last_activity_at_idx" ON "contacts"("account_id", "last_activity_at");

-- CreateIndex
CREATE INDEX "contacts_account_id_name_idx" ON "contacts"("account_id", "name");

-- CreateIndex
CREATE UNIQUE INDEX "contacts_account_id_email_key" ON "contacts"("account_id", "email");

-- CreateIndex
CREATE UNIQUE INDEX "contacts_account_id_identifier_key" ON "contacts"("account_id", "identifier");

-- CreateIndex
CREATE UNIQUE INDEX "contacts_account_id_phone_number_key" ON "contacts"("account_id", "phone_number");

-- CreateIndex
CREATE UNIQUE INDEX "contact_inboxes_pubsub_token_key" ON "contact_inboxes"("pubsub_token");

-- CreateIndex
CREATE INDEX "contact_inboxes_contact_id_idx" ON "contact_inboxes"("contact_id");

-- CreateIndex
CREATE INDEX "contact_inboxes_source_id_idx" ON "contact_inboxes"("source_id");

-- CreateIndex
CREATE UNIQUE INDEX "contact_inboxes_inbox_id_source_id_key" ON "contact_inboxes"("inbox_id", "source_id");

-- CreateIndex
CREATE UNIQUE INDEX "conversations_uuid_key" ON "conversations"("uuid");

-- CreateIndex
CREATE INDEX "conversations_account_id_status_last_activity_at_idx" ON "conversations"("account_id", "status", "last_activity_at");

-- CreateIndex
CREATE INDEX "conversations_inbox_id_status_idx" ON "conversations"("inbox_id", "status");

-- CreateIndex
CREATE INDEX "conversations_contact_id_idx" ON "conversations"("contact_id");

-- CreateIndex
CREATE INDEX "conversations_contact_inbox_id_idx" ON "conversations"("contact_inbox_id");

-- CreateIndex
CREATE INDEX "conversations_assignee_id_idx" ON "conversations"("assignee_id");

-- CreateIndex
CREATE INDEX "conversations_team_id_idx" ON "conversations"("team_id");

-- CreateIndex
CREATE UNIQUE INDEX "conversations_account_id_display_id_key" ON "conversations"("account_id", "display_id");

-- CreateIndex
CREATE INDEX "messages_conversation_id_id_idx" ON "messages"("conversation_id", "id");

-- CreateIndex
CREATE INDEX "messages_conversation_id_created_at_idx" ON "messages"("conversation_id", "created_at");

-- CreateIndex
CREATE INDEX "messages_account_id_created_at_idx" ON "messages"("account_id", "created_at");

-- CreateIndex
CREATE INDEX "messages_source_id_idx" ON "messages"("source_id");

-- CreateIndex
CREATE INDEX "messages_sender_contact_id_idx" ON "messages"("sender_contact_id");

-- CreateIndex
CREATE INDEX "messages_sender_user_id_idx" ON "messages"("sender_user_id");

-- CreateIndex
CREATE UNIQUE INDEX "webhooks_account_id_url_key" ON "webhooks"("account_id", "url");

-- CreateIndex
CREATE INDEX "events_account_id_id_idx" ON "events"("account_id", "id");

-- CreateIndex
CREATE INDEX "webhook_deliveries_state_next_attempt_at_idx" ON "webhook_deliveries"("state", "next_attempt_at");

-- CreateIndex
CREATE INDEX "webhook_deliveries_webhook_id_created_at_idx" ON "webhook_deliveries"("webhook_id", "created_at");

-- CreateIndex
CREATE INDEX "webhook_deliveries_inbox_id_created_at_idx" ON "webhook_deliveries"("inbox_id", "created_at");

-- CreateIndex
CREATE INDEX "webhook_deliveries_event_id_idx" ON "webhook_deliveries"("event_id");

-- AddForeignKey
ALTER TABLE "account_users" ADD CONSTRAINT "account_users_account_id_fkey" FOREIGN KEY ("account_id") REFERENCES "accounts"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "account_users" ADD CONSTRAINT "account_users_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "access_tokens" ADD CONSTRAINT "access_tokens_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "access_tokens" ADD CONSTRAINT "access_tokens_agent_bot_id_fkey" FOREIGN KEY ("agent_bot_id") REFERENCES "agent_bots"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "access_tokens" ADD CONSTRAINT "access_tokens_platform_app_id_fkey" FOREIGN KEY ("platform_app_id") REFERENCES "platform_apps"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "platform_app_permissibles" ADD CONSTRAINT "platform_app_permissibles_platform_app_id_fkey" FOREIGN KEY ("platform_app_id") REFERENCES "platform_apps"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "agent_bots" ADD CONSTRAINT "agent_bots_account_id_fkey" FOREIGN KEY ("account_id") REFERENCES "accounts"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "agent_bot_inboxes" ADD CONSTRAINT "agent_bot_inboxes_inbox_id_fkey" FOREIGN KEY ("inbox_id") REFERENCES "inboxes"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "agent_bot_inboxes" ADD CONSTRAINT "agent_bot_inboxes_agent_bot_id_fkey" FOREIGN KEY ("agent_bot_id") REFERENCES "agent_bots"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "channel_api" ADD CONSTRAINT "channel_api_account_id_fkey" FOREIGN KEY ("account_id") REFERENCES "accounts"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "inboxes" ADD CONSTRAINT "inboxes_account_id_fkey" FOREIGN KEY ("account_id") REFERENCES "accounts"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "inboxes" ADD CONSTRAINT "inboxes_channel_id_fkey" FOREIGN KEY ("channel_id") REFERENCES "channel_api"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "inbox_members" ADD CONSTRAINT "inbox_members_inbox_id_fkey" FOREIGN KEY ("inbox_id") REFERENCES "inboxes"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "inbox_members" ADD CONSTRAINT "inbox_members_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "teams" ADD CONSTRAINT "teams_account_id_fkey" FOREIGN KEY ("account_id") REFERENCES "accounts"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "team_members" ADD CONSTRAINT "team_members_team_id_fkey" FOREIGN KEY ("team_id") REFERENCES "teams"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "team_members" ADD CONSTRAINT "team_members_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "contacts" ADD CONSTRAINT "contacts_account_id_fkey" FOREIGN KEY ("account_id") REFERENCES "accounts"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "contact_inboxes" ADD CONSTRAINT "contact_inboxes_account_id_fkey" FOREIGN KEY ("account_id") REFERENCES "accounts"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "contact_inboxes" ADD CONSTRAINT "contact_inboxes_contact_id_fkey" FOREIGN KEY ("contact_id") REFERENCES "contacts"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "contact_inboxes" ADD CONSTRAINT "contact_inboxes_inbox_id_fkey" FOREIGN KEY ("inbox_id") REFERENCES "inboxes"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "conversations" ADD CONSTRAINT "conversations_account_id_fkey" FOREIGN KEY ("account_id") REFERENCES "accounts"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "conversations" ADD CONSTRAINT "conversations_inbox_id_fkey" FOREIGN KEY ("inbox_id") REFERENCES "inboxes"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "conversations" ADD CONSTRAINT "conversations_contact_id_fkey" FOREIGN KEY ("contact_id") REFERENCES "contacts"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "conversations" ADD CONSTRAINT "conversations_contact_inbox_id_fkey" FOREIGN KEY ("contact_inbox_id") REFERENCES "contact_inboxes"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "conversations" ADD CONSTRAINT "conversations_assignee_id_fkey" FOREIGN KEY ("assignee_id") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "conversations" ADD CONSTRAINT "conversations_assignee_agent_bot_id_fkey" FOREIGN KEY ("assignee_agent_bot_id") REFERENCES "agent_bots"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "conversations" ADD CONSTRAINT "conversations_team_id_fkey" FOREIGN KEY ("team_id") REFERENCES "teams"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "messages" ADD CONSTRAINT "messages_account_id_fkey" FOREIGN KEY ("account_id") REFERENCES "accounts"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "messages" ADD CONSTRAINT "messages_inbox_id_fkey" FOREIGN KEY ("inbox_id") REFERENCES "inboxes"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "messages" ADD CONSTRAINT "messages_conversation_id_fkey" FOREIGN KEY ("conversation_id") REFERENCES "conversations"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "messages" ADD CONSTRAINT "messages_sender_contact_id_fkey" FOREIGN KEY ("sender_contact_id") REFERENCES "contacts"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "messages" ADD CONSTRAINT "messages_sender_user_id_fkey" FOREIGN KEY ("sender_user_id") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "messages" ADD CONSTRAINT "messages_sender_agent_bot_id_fkey" FOREIGN KEY ("sender_agent_bot_id") REFERENCES "agent_bots"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "webhooks" ADD CONSTRAINT "webhooks_account_id_fkey" FOREIGN KEY ("account_id") REFERENCES "accounts"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "webhooks" ADD CONSTRAINT "webhooks_inbox_id_fkey" FOREIGN KEY ("inbox_id") REFERENCES "inboxes"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "events" ADD CONSTRAINT "events_account_id_fkey" FOREIGN KEY ("account_id") REFERENCES "accounts"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "webhook_deliveries" ADD CONSTRAINT "webhook_deliveries_event_id_fkey" FOREIGN KEY ("event_id") REFERENCES "events"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "webhook_deliveries" ADD CONSTRAINT "webhook_deliveries_webhook_id_fkey" FOREIGN KEY ("webhook_id") REFERENCES "webhooks"("id") ON DELETE CASCADE ON UPDATE CASCADE;
