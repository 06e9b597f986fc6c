/**
 * The Server-Sent Events responses open on this server (`/graphql` with
 * `Accept: text/event-stream`, `/graphql/stream`): counted for metrics and
 * ended on shutdown, since they would otherwise keep it waiting forever.
 */
import type { ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';

export class EventStreams {
  private readonly open = new Set<ServerResponse>();

  /** How many event streams are open. */
  get size(): number {
    return this.open.size;
  }

  /** Notes every response sent as `text/event-stream` until its connection closes. */
  track(http: FastifyInstance): void {
    http.addHook('onSend', (_request, reply, payload, done) => {
      const type = reply.getHeader('content-type');
      if (typeof type === 'string' && type.startsWith('text/event-stream')) {
        const response = reply.raw;
        this.open.add(response);
        response.once('close', () => this.open.delete(response));
      }
      done(null, payload);
    });
  }

  /** Ends every open stream (an SSE client reconnects, to another instance once this one has stopped listening). */
  endAll(): void {
    for (const response of this.open) response.end();
    this.open.clear();
  }
}
