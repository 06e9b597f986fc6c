/**
 * The domain services, wired once per process and shared by every transport.
 */
import type { PrismaClient } from './db.ts';
import { AgentService } from './domain/agents/service.ts';
import { ContactService } from './domain/contacts/service.ts';
import { ConversationService } from './domain/conversations/service.ts';
import { InboxService } from './domain/inboxes/service.ts';
import { MessageService } from './domain/messages/service.ts';
import { ProfileService } from './domain/profile/service.ts';
import { WebhookService } from './domain/webhooks/service.ts';
import type { Outbox } from './events/outbox.ts';

export interface Services {
  agents: AgentService;
  inboxes: InboxService;
  contacts: ContactService;
  conversations: ConversationService;
  messages: MessageService;
  profile: ProfileService;
  webhooks: WebhookService;
}

export function createServices(db: PrismaClient, outbox: Outbox): Services {
  const contacts = new ContactService(db, outbox);
  const messages = new MessageService(db, outbox);
  return {
    agents: new AgentService(db, outbox),
    inboxes: new InboxService(db, outbox),
    contacts,
    conversations: new ConversationService(db, outbox, contacts, messages),
    messages,
    profile: new ProfileService(db),
    webhooks: new WebhookService(db),
  };
}
