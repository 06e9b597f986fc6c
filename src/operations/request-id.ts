/**
 * Request ids: every request gets one (the caller's `x-request-id` when it is
 * a sane token, else a fresh UUID), every log line of the request carries it
 * as `reqId` (pino's child logger), and every response echoes it in
 * `x-request-id`, error responses included.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { FastifyInstance } from 'fastify';

export const REQUEST_ID_HEADER = 'x-request-id';

/** What an incoming id may look like: it lands in logs and in a response header. */
const SANE_REQUEST_ID = /^[A-Za-z0-9._-]{1,128}$/;

/** The id of a request: the caller's `x-request-id` if sane, else a fresh UUID (fastify's `genReqId`). */
export function requestIdOf(request: Pick<IncomingMessage, 'headers'>): string {
  const given = request.headers[REQUEST_ID_HEADER];
  return typeof given === 'string' && SANE_REQUEST_ID.test(given) ? given : randomUUID();
}

/** Echoes each request's id on its response, whatever the route, status or error. */
export function echoRequestIds(http: FastifyInstance): void {
  http.addHook('onRequest', (request, reply, done) => {
    reply.header(REQUEST_ID_HEADER, request.id);
    done();
  });
}
