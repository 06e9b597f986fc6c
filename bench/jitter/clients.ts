/**
 * The four kinds of real-time client bench/jitter/run.ts drives, each
 * listening to one conversation's new messages, behind one small interface
 * (`Connection`): open (or reopen, resuming where the transport can),
 * drop (tear the socket down at once, as a network failure would: no close
 * handshake, the server sees the TCP connection go) and close. What a
 * connection hears goes to its `Listener`: the database id of each message
 * it receives, a close it did not ask for, an error it counts.
 *
 * - `anycable`: the official @anycable/web client with the extended Action
 *   Cable protocol (`actioncable-v1-ext-json`: reliable streams, session
 *   and history restore), subscribed to RoomChannel. Its own monitor is off
 *   (`monitor: false`): the bench decides when a dropped client comes back,
 *   the same way for every transport; the cable object is kept across
 *   reconnections, so the client keeps its session id and stream positions.
 * - `graphql-ws`: graphql-ws's client over `ws`, subscribed to
 *   `messageCreated(scope: {conversationId})`; every result's
 *   `extensions.cursor` is kept, and each reconnection is a new client whose
 *   subscription passes the last one as `after`.
 * - `sse`: Yoga's GraphQL over SSE (POST /graphql, `Accept:
 *   text/event-stream`) read with fetch; each `next` event's `id:` is kept and
 *   sent back as `Last-Event-ID` on reconnection, as an EventSource would.
 * - `cable`: plain Action Cable (`actioncable-v1-json`) over raw `ws`, the
 *   baseline without resume: after a reconnection it subscribes again and
 *   hears only what happens from then on.
 */
import { createCable } from '@anycable/web';
import { createClient, type Client } from 'graphql-ws';
import { WebSocket } from 'ws';

export const TRANSPORTS = ['anycable', 'graphql-ws', 'sse', 'cable'] as const;
export type TransportName = (typeof TRANSPORTS)[number];

/** What each transport is, for the figures' legend. */
export const TRANSPORT_LABELS: Record<TransportName, string> = {
  anycable: '/cable, @anycable/web, actioncable-v1-ext-json (session + history restore)',
  'graphql-ws': 'graphql-ws, resubscribes with `after: <last extensions.cursor>`',
  sse: 'GraphQL over SSE (POST /graphql), reconnects with `Last-Event-ID`',
  cable: '/cable, plain actioncable-v1-json, resubscribes without resume (baseline)',
};

/** Where the clients listen: the server, the contact's session, the conversation. */
export interface Target {
  /** http://host:port */
  httpUrl: string;
  /** The contact inbox's pubsub token (RoomChannel, graphql-ws connectionParams, SSE X-Pubsub-Token). */
  pubsubToken: string;
  /** The conversation's GraphQL global id. */
  conversationId: string;
}

/** What a connection tells its client. */
export interface Listener {
  /** A message.created for this message id arrived. */
  received(messageId: number): void;
  /** The connection ended without the client asking (the server closed it, a stream ended). */
  closed(reason: string): void;
  /** Something went wrong that does not end the connection (an error result, a malformed frame); counted. */
  error(reason: string): void;
  /** The last reconnection could not resume (no cursor, or the server refused it); counted. */
  resumeRefused(reason: string): void;
}

export interface Connection {
  /** Opens (or reopens) the connection and subscribes; resolves once the subscription is live, rejects if it is not. */
  open(): Promise<void>;
  /** Tears the socket down now, as a network failure would; events of this socket are ignored from then on. */
  drop(): void;
  /** Closes for good. */
  close(): void;
}

/** Every subscription asks for the message's database id, which REST answered when it created it. */
export const MESSAGE_CREATED =
  'subscription JitterMessages($scope: EventScope, $after: String) { messageCreated(scope: $scope, after: $after) { databaseId } }';

export const describe = (error: unknown): string => {
  if (error instanceof Error) {
    // fetch's "fetch failed" says why in its cause (ECONNREFUSED, a reset socket…).
    const cause = (error as { cause?: unknown }).cause;
    return `${error.message || error.name}${cause ? ` (${describe(cause)})` : ''}`;
  }
  if (Array.isArray(error)) return error.map(describe).join('; ');
  if (error && typeof error === 'object') {
    const { code, reason, message } = error as { code?: unknown; reason?: unknown; message?: unknown };
    if (typeof message === 'string') return message;
    if (code !== undefined) return `closed with ${String(code)}${reason ? ` (${String(reason)})` : ''}`;
  }
  return String(error);
};

/** The GraphQL errors of a result, as one line; whether one of them says the history does not reach back. */
function graphqlErrors(errors: readonly { message?: string; extensions?: Record<string, unknown> }[]): { text: string; historyGone: boolean } {
  const text = errors.map((e) => `${String(e.extensions?.code ?? 'error')}: ${e.message ?? ''}`).join('; ');
  return { text, historyGone: errors.some((e) => e.extensions?.code === 'HISTORY_UNAVAILABLE') };
}

const wsUrl = (httpUrl: string, path: string) => `${httpUrl.replace(/^http/, 'ws')}${path}`;

// ---------------------------------------------------------------- @anycable/web, extended protocol

interface CableMessage {
  event?: string;
  data?: { id?: number };
}

class AnyCableConnection implements Connection {
  private socket: WebSocket | undefined;
  private socketError: string | undefined;
  /** Bumped by drop(): a disconnect the bench caused is not reported as one it did not. */
  private generation = 0;
  private readonly cable;
  private readonly channel;

  constructor(target: Target, private readonly listener: Listener) {
    // A WebSocket class of its own, so that the bench can reach the socket (to drop it) and the reason a handshake failed.
    const connection = this;
    class TrackedSocket extends WebSocket {
      constructor(url: string, protocols?: string | string[]) {
        super(url, protocols);
        connection.socket = this;
        this.on('error', (error) => (connection.socketError = error.message));
      }
    }
    this.cable = createCable(wsUrl(target.httpUrl, '/cable'), {
      websocketImplementation: TrackedSocket,
      protocol: 'actioncable-v1-ext-json',
      logLevel: 'error',
      // The bench reconnects (after the outage it simulates), as it does for every transport.
      monitor: false,
      lazy: true,
    });
    this.cable.on('disconnect', (event) => {
      const generation = this.generation;
      // A disconnect that drop() caused (it bumps the generation first) is not reported; the check waits a microtask
      // in case one comes synchronously from within drop() itself.
      queueMicrotask(() => {
        if (generation === this.generation) listener.closed(`disconnected: ${describe(event)}${this.socketError ? ` (${this.socketError})` : ''}`);
      });
    });
    this.channel = this.cable.subscribeTo('RoomChannel', { pubsub_token: target.pubsubToken });
    this.channel.on('message', (message) => {
      const { event, data } = message as CableMessage;
      if (event === 'message.created' && typeof data?.id === 'number') listener.received(data.id);
    });
    this.channel.on('info', (info) => {
      if (info.type === 'history_not_found') listener.resumeRefused('history_not_found');
    });
  }

  async open(): Promise<void> {
    this.socketError = undefined;
    try {
      await this.cable.connect();
    } catch (error) {
      throw new Error(this.socketError ?? describe(error));
    }
    await this.channel.ensureSubscribed();
  }

  drop(): void {
    this.generation++;
    this.socket?.terminate();
  }

  close(): void {
    this.generation++;
    this.cable.disconnect();
    this.socket?.terminate();
  }
}

// ---------------------------------------------------------------- graphql-ws, resuming with `after`

class GraphqlWsConnection implements Connection {
  private client: Client | undefined;
  /** The current client's socket, from the moment it is created (graphql-ws only shows it once open). */
  private owner: { socket?: WebSocket } | undefined;
  private cursor: string | undefined;

  constructor(private readonly target: Target, private readonly listener: Listener) {}

  open(): Promise<void> {
    this.drop();
    const owner: { socket?: WebSocket } = {};
    this.owner = owner;
    // Its own WebSocket class, so that a socket still connecting (a server slow to answer) can be torn down too.
    class TrackedSocket extends WebSocket {
      constructor(url: string, protocols?: string | string[]) {
        super(url, protocols);
        owner.socket = this;
      }
    }
    return new Promise<void>((resolve, reject) => {
      let acknowledged = false;
      const client = createClient({
        url: wsUrl(this.target.httpUrl, '/graphql'),
        webSocketImpl: TrackedSocket,
        connectionParams: { pubsubToken: this.target.pubsubToken },
        lazy: true,
        retryAttempts: 0,
        shouldRetry: () => false,
        on: {
          connected: () => {
            acknowledged = true;
            resolve();
          },
        },
      });
      this.client = client;
      const after = this.cursor ?? null;
      client.subscribe<{ messageCreated?: { databaseId?: number } }>(
        { query: MESSAGE_CREATED, variables: { scope: { conversationId: this.target.conversationId }, after } },
        {
          next: (result) => {
            if (this.client !== client) return;
            const cursor = (result.extensions as { cursor?: unknown } | undefined)?.cursor;
            if (typeof cursor === 'string') this.cursor = cursor;
            if (result.errors?.length) this.listener.error(graphqlErrors(result.errors).text);
            const id = result.data?.messageCreated?.databaseId;
            if (typeof id === 'number') this.listener.received(id);
          },
          error: (error) => {
            if (this.client !== client) return;
            if (Array.isArray(error)) {
              // The subscription was refused (a resume the history cannot serve): start afresh, as a client that reloads.
              const { text, historyGone } = graphqlErrors(error);
              if (historyGone || after !== null) {
                this.cursor = undefined;
                this.listener.resumeRefused(text);
              } else this.listener.error(text);
            }
            if (!acknowledged) reject(new Error(describe(error)));
            else this.listener.closed(describe(error));
          },
          complete: () => {
            if (this.client !== client) return;
            if (!acknowledged) reject(new Error('subscription completed before the connection was acknowledged'));
            else this.listener.closed('subscription completed');
          },
        },
      );
    });
  }

  /** Forgets the current client (its late events are ignored) and tears its socket down. */
  drop(): void {
    const { client, owner } = this;
    this.client = undefined;
    this.owner = undefined;
    owner?.socket?.terminate();
    // dispose() rejects when the connection never got going (its socket closed first): nothing left to do then.
    void Promise.resolve(client?.dispose()).catch(() => undefined);
  }

  close(): void {
    this.drop();
  }
}

// ---------------------------------------------------------------- GraphQL over SSE, resuming with Last-Event-ID

class SseConnection implements Connection {
  private controller: AbortController | undefined;
  private lastEventId: string | undefined;

  constructor(private readonly target: Target, private readonly listener: Listener) {}

  async open(): Promise<void> {
    this.controller?.abort();
    const controller = new AbortController();
    this.controller = controller;
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      accept: 'text/event-stream',
      'x-pubsub-token': this.target.pubsubToken,
    };
    const resuming = this.lastEventId !== undefined;
    if (resuming) headers['last-event-id'] = this.lastEventId!;
    const response = await fetch(`${this.target.httpUrl}/graphql`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ query: MESSAGE_CREATED, variables: { scope: { conversationId: this.target.conversationId } } }),
      signal: controller.signal,
    });
    if (!response.ok || !response.body || !response.headers.get('content-type')?.startsWith('text/event-stream')) {
      const text = await response.text().catch(() => '');
      controller.abort();
      throw new Error(`POST /graphql answered ${response.status} ${response.headers.get('content-type') ?? ''}: ${text.slice(0, 200)}`);
    }
    void this.read(response.body, controller, resuming);
  }

  private async read(body: ReadableStream<Uint8Array>, controller: AbortController, resuming: boolean): Promise<void> {
    const decoder = new TextDecoder();
    let pending = '';
    const reader = body.getReader();
    try {
      for (;;) {
        const { done, value: chunk } = await reader.read();
        if (done) break;
        if (this.controller !== controller) return;
        pending += decoder.decode(chunk, { stream: true }).replace(/\r\n?/g, '\n');
        let end: number;
        while ((end = pending.indexOf('\n\n')) !== -1) {
          this.event(pending.slice(0, end), resuming);
          pending = pending.slice(end + 2);
        }
      }
      if (this.controller === controller) this.listener.closed('the event stream ended');
    } catch (error) {
      if (this.controller === controller) this.listener.closed(`the event stream failed: ${describe(error)}`);
    }
  }

  /** One SSE event: its `event:`, `id:` and `data:` lines (comments, the keep-alives, are skipped). */
  private event(block: string, resuming: boolean): void {
    let name = 'message';
    let id: string | undefined;
    const data: string[] = [];
    for (const line of block.split('\n')) {
      if (line === '' || line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon === -1 ? line : line.slice(0, colon);
      const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'event') name = value;
      else if (field === 'id') id = value;
      else if (field === 'data') data.push(value);
    }
    if (name !== 'next') return;
    if (id !== undefined) this.lastEventId = id;
    let result: { data?: { messageCreated?: { databaseId?: number } } | null; errors?: { message?: string; extensions?: Record<string, unknown> }[] };
    try {
      result = JSON.parse(data.join('\n'));
    } catch {
      return this.listener.error('an SSE event whose data is not JSON');
    }
    if (result.errors?.length) {
      const { text, historyGone } = graphqlErrors(result.errors);
      if (historyGone || (resuming && !result.data)) {
        this.lastEventId = undefined;
        this.listener.resumeRefused(text);
      } else this.listener.error(text);
    }
    const messageId = result.data?.messageCreated?.databaseId;
    if (typeof messageId === 'number') this.listener.received(messageId);
  }

  drop(): void {
    const controller = this.controller;
    this.controller = undefined;
    controller?.abort();
  }

  close(): void {
    this.drop();
  }
}

// ---------------------------------------------------------------- plain Action Cable, no resume

interface CableFrame {
  type?: string;
  identifier?: string;
  message?: CableMessage;
  reason?: string;
}

class PlainCableConnection implements Connection {
  private socket: WebSocket | undefined;
  private readonly identifier: string;

  constructor(private readonly target: Target, private readonly listener: Listener) {
    this.identifier = JSON.stringify({ channel: 'RoomChannel', pubsub_token: target.pubsubToken });
  }

  open(): Promise<void> {
    this.drop();
    return new Promise<void>((resolve, reject) => {
      const socket = new WebSocket(wsUrl(this.target.httpUrl, '/cable'), ['actioncable-v1-json']);
      this.socket = socket;
      let live = false;
      const fail = (reason: string) => {
        if (this.socket !== socket) return;
        if (!live) reject(new Error(reason));
        else this.listener.closed(reason);
      };
      socket.on('message', (data) => {
        if (this.socket !== socket) return;
        let frame: CableFrame;
        try {
          frame = JSON.parse(String(data));
        } catch {
          return this.listener.error('a /cable frame that is not JSON');
        }
        switch (frame.type) {
          case 'welcome':
            socket.send(JSON.stringify({ command: 'subscribe', identifier: this.identifier }));
            return;
          case 'confirm_subscription':
            live = true;
            return resolve();
          case 'reject_subscription':
            return fail('subscription rejected');
          case 'disconnect':
            return fail(`disconnect frame (${frame.reason ?? 'no reason'})`);
          case 'ping':
            return;
        }
        const message = frame.message;
        if (message?.event === 'message.created' && typeof message.data?.id === 'number') this.listener.received(message.data.id);
      });
      socket.on('error', (error) => fail(error.message));
      socket.on('close', (code) => fail(`closed with ${code}`));
    });
  }

  drop(): void {
    const socket = this.socket;
    this.socket = undefined;
    socket?.terminate();
  }

  close(): void {
    this.drop();
  }
}

export function connect(transport: TransportName, target: Target, listener: Listener): Connection {
  switch (transport) {
    case 'anycable':
      return new AnyCableConnection(target, listener);
    case 'graphql-ws':
      return new GraphqlWsConnection(target, listener);
    case 'sse':
      return new SseConnection(target, listener);
    case 'cable':
      return new PlainCableConnection(target, listener);
  }
}
