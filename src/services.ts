/**
 * The domain services, wired once per process and shared by every transport.
 */
import type { PrismaClient } from './db.ts';
import { AgentService } from './domain/agents/service.ts';
import { AttachmentService } from './domain/attachments/service.ts';
import { ClientSessionService } from './domain/client/service.ts';
import { ContactService } from './domain/contacts/service.ts';
import { ConversationIds } from './domain/conversations/ids.ts';
import { ConversationDeletionService } from './domain/conversations/deletion.ts';
import { ConversationService } from './domain/conversations/service.ts';
import { FilterService } from './domain/filters/service.ts';
import { InboxService } from './domain/inboxes/service.ts';
import { MessageRetryService } from './domain/messages/retry.ts';
import { MessageService } from './domain/messages/service.ts';
import { createPlatformServices, type PlatformServices } from './domain/platform/services.ts';
import { ProfileService } from './domain/profile/service.ts';
import { WebhookDeliveryService } from './domain/webhooks/deliveries.ts';
import { WebhookService } from './domain/webhooks/service.ts';
import type { Outbox } from './events/outbox.ts';
import type { DestinationGuard } from './webhooks/destination-guard.ts';

export interface Services {
  agents: AgentService;
  inboxes: InboxService;
  contacts: ContactService;
  conversations: ConversationService;
  /** A conversation's database id from its per-account display id (the REST adapter's route parameter). */
  conversationIds: ConversationIds;
  messages: MessageService;
  profile: ProfileService;
  webhooks: WebhookService;
  /** The webhook delivery log: list and redeliver (administrators). */
  webhookDeliveries: WebhookDeliveryService;
  /** Contact and conversation filters, conversation search. */
  filters: FilterService;
  conversationDeletion: ConversationDeletionService;
  messageRetry: MessageRetryService;
  /** Message attachments: a conversation's list, a file's bytes by its token. */
  attachments: AttachmentService;
  /** The Client API's contact sessions (customer-facing clients). */
  clientSessions: ClientSessionService;
  /** The Platform API's services (platform app callers only). */
  platform: PlatformServices;
}

export function createServices(db: PrismaClient, outbox: Outbox, options: { frontendUrl: string; wakeWebhooks?: () => void; destinationGuard?: DestinationGuard }): Services {
  const contacts = new ContactService(db, outbox);
  const messages = new MessageService(db, outbox);
  const profile = new ProfileService(db);
  return {
    agents: new AgentService(db, outbox),
    inboxes: new InboxService(db, outbox, options.destinationGuard),
    contacts,
    conversations: new ConversationService(db, outbox, contacts, messages),
    conversationIds: new ConversationIds(db),
    messages,
    profile,
    webhooks: new WebhookService(db, options.destinationGuard),
    webhookDeliveries: new WebhookDeliveryService(db, options.wakeWebhooks),
    filters: new FilterService(db, contacts),
    conversationDeletion: new ConversationDeletionService(db),
    messageRetry: new MessageRetryService(db, outbox),
    attachments: new AttachmentService(db),
    clientSessions: new ClientSessionService(db, outbox, contacts),
    platform: createPlatformServices(db, outbox, profile, options),
  };
}
