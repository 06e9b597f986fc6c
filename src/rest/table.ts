/**
 * The REST route table: every documented endpoint Snypto serves.
 */
import type { Route } from './route.ts';
import { agentRoutes } from './routes/agents.ts';
import { clientRoutes } from './routes/client.ts';
import { contactRoutes } from './routes/contacts.ts';
import { conversationRoutes } from './routes/conversations.ts';
import { inboxRoutes } from './routes/inboxes.ts';
import { messageRoutes } from './routes/messages.ts';
import { platformRoutes } from './routes/platform.ts';
import { profileRoutes } from './routes/profile.ts';
import { webhookRoutes } from './routes/webhooks.ts';

export const routeTable: Route[] = [
  ...profileRoutes,
  ...agentRoutes,
  ...inboxRoutes,
  ...contactRoutes,
  ...conversationRoutes,
  ...messageRoutes,
  ...webhookRoutes,
  ...platformRoutes,
  ...clientRoutes,
];
