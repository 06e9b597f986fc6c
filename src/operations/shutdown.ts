/**
 * Graceful shutdown (SIGTERM, and `app.stop()`): the readiness probe answers
 * `draining` at once; the server stops accepting connections while requests
 * under way finish; event streams end, graphql-ws sockets close with 1001
 * (going away) and /cable tells its clients to reconnect; the webhook worker
 * stops claiming and finishes its sends. Whatever is still open after the
 * timeout is destroyed. Then the event bus and the database close.
 */
import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { WebSocketServer } from 'ws';
import { withinTime } from './time-limit.ts';

/** The close code graphql-ws clients get: the server is going away. */
export const GOING_AWAY = 1001;

/** Every TCP connection of a server, WebSocket upgrades included (Node's own list forgets upgraded sockets). */
export class OpenConnections {
  private readonly sockets = new Set<Socket>();

  constructor(server: Server) {
    server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
  }

  get size(): number {
    return this.sockets.size;
  }

  destroyAll(): void {
    for (const socket of this.sockets) socket.destroy();
  }
}

export interface DrainParts {
  http: FastifyInstance;
  connections: OpenConnections;
  readiness: { beginDrain(): void };
  eventStreams: { endAll(): void };
  graphqlWs: WebSocketServer;
  cable: { stop(): void };
  worker: { stop(): Promise<void> };
  /** Closed in order once the connections are gone: the event bus, then the database. */
  resources: Array<{ name: string; close(): Promise<void> }>;
  logger: { info(details: object, message: string): void; warn(details: object, message: string): void };
}

/** Drains and closes everything; resolves after at most about `timeoutMs` plus the resources' closing. */
export async function drainAndClose(parts: DrainParts, timeoutMs: number): Promise<void> {
  const started = performance.now();
  parts.readiness.beginDrain();
  // Stops listening and closes idle keep-alive connections; requests under way go on.
  const httpClosed = parts.http.close();
  parts.eventStreams.endAll();
  for (const client of parts.graphqlWs.clients) client.close(GOING_AWAY, 'Server is shutting down');
  parts.cable.stop();
  const workerStopped = parts.worker.stop();
  const drained = await withinTime(
    Promise.all([httpClosed, workerStopped]).then(() => true),
    timeoutMs,
    false,
  );
  if (!drained) {
    parts.logger.warn({ timeoutMs, openConnections: parts.connections.size }, 'shutdown timeout: destroying the connections still open');
    parts.connections.destroyAll();
    await withinTime(httpClosed, 1000, undefined);
  }
  for (const resource of parts.resources) {
    const closed = await withinTime(
      resource.close().then(() => true),
      2000,
      false,
    );
    if (!closed) parts.logger.warn({ resource: resource.name }, 'did not close in time');
  }
  parts.logger.info({ drained, shutdownMs: Math.round(performance.now() - started) }, 'stopped');
}
