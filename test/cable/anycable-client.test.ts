/**
 * /cable with AnyCable's JavaScript client (@anycable/web), the other
 * client a Chatwoot-compatible UI may use: it subscribes to RoomChannel,
 * receives Chatwoot's broadcasts, and learns of a refused subscription.
 */
import { createCable } from '@anycable/web';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { Inbox, type Broadcast } from '../support/cable.ts';
import { clientInbox, openSession, startConversation } from '../support/client-api.ts';
import { accountPath, adminApi } from '../support/seed.ts';
import { startServer, type TestServer } from '../support/server.ts';

let server: TestServer;
const cables: ReturnType<typeof createCable>[] = [];

beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => {
  for (const cable of cables) cable.disconnect();
  await server?.stop();
});

const anycable = () => {
  const cable = createCable(`${server.wsUrl}/cable`, {
    websocketImplementation: WebSocket,
    protocol: 'actioncable-v1-json',
    logLevel: 'error',
  });
  cables.push(cable);
  return cable;
};

describe('@anycable/web', () => {
  it('subscribes a contact to RoomChannel and receives the agent\'s reply', async () => {
    const session = await openSession(server, await clientInbox(server));
    const conversationId = await startConversation(server, session);

    const channel = anycable().subscribeTo('RoomChannel', { pubsub_token: session.pubsub_token });
    const received = new Inbox<Broadcast>();
    channel.on('message', (message) => received.push(message as Broadcast));
    await channel.ensureSubscribed();

    const reply = await adminApi(server).post(accountPath(server, `/conversations/${conversationId}/messages`), {
      content: 'Hello from AnyCable',
    });
    const { data } = await received.next((b) => b.event === 'message.created' && b.data.id === reply.body.id);
    expect(data).toMatchObject({ content: 'Hello from AnyCable', message_type: 1, account_id: server.accountId });
  });

  it('reports a refused subscription', async () => {
    const channel = anycable().subscribeTo('RoomChannel', { pubsub_token: 'nobody-has-this-token' });
    await expect(channel.ensureSubscribed()).rejects.toThrow();
  });
});
