/**
 * The composition root: database, outbox and its listeners (one call per
 * destination, src/events/listeners/), services, GraphQL (HTTP, SSE,
 * graphql-ws), REST, /cable and the webhook worker, on one HTTP server.
 */
import formbody from '@fastify/formbody';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { STATUS_CODES } from 'node:http';
import qs from 'qs';
import { WebSocketServer } from 'ws';
import { Authenticator } from './auth.ts';
import type { Config } from './config.ts';
import { openDatabase, type Database } from './db.ts';
import { bootstrap, type BootstrapResult } from './domain/accounts/bootstrap.ts';
import { inputDefect } from './domain/validation.ts';
import { MessageDeliveryStatus } from './domain/messages/delivery-status.ts';
import { useLinkBase } from './domain/attachments/links.ts';
import { Outbox } from './events/outbox.ts';
import { createEventBus } from './events/bus.ts';
import { EventHistory } from './events/history.ts';
import { resumablePubsub } from './events/replay.ts';
import { EventCursors } from './graphql/event-cursors.ts';
import { attachRealtime } from './events/listeners/realtime.ts';
import { attachWebhooks } from './events/listeners/webhooks.ts';
import { bindGraphqlWs } from './graphql/ws.ts';
import { Presence } from './cable/presence.ts';
import { Audiences } from './cable/audiences.ts';
import { RoomChannel } from './cable/room-channel.ts';
import { CableServer } from './cable/server.ts';
import { CableReplay } from './cable/replay.ts';
import { CableSessions } from './cable/sessions.ts';
import { createGraphqlServer, GRAPHQL_SSE_PATH } from './graphql/yoga.ts';
import { mountLanding } from './http/landing.ts';
import { isRestPath, mountRoutes, normalisedRestPath } from './rest/adapter.ts';
import { mountAttachmentDownload } from './rest/attachment-download.ts';
import { TOO_DEEP_BODY } from './rest/errors.ts';
import { registerMultipart } from './rest/multipart.ts';
import { routeTable } from './rest/table.ts';
import { createServices } from './services.ts';
import { shareWrites } from './shared-writes.ts';
import { EventStreams } from './operations/event-streams.ts';
import { Metrics } from './operations/metrics.ts';
import { Readiness } from './operations/readiness.ts';
import { echoRequestIds, requestIdOf } from './operations/request-id.ts';
import { drainAndClose, OpenConnections } from './operations/shutdown.ts';
import { webhookBacklog } from './operations/webhook-backlog.ts';
import { DestinationGuard } from './webhooks/destination-guard.ts';
import { WebhookPlanner } from './webhooks/planner.ts';
import { DeliveryWorker } from './webhooks/worker.ts';

export interface App {
  http: FastifyInstance;
  database: Database;
  bootstrap: BootstrapResult;
  /** The address the server listens on, once started. */
  url: string;
  /** The webhook delivery worker (tests wake it after moving its clock). */
  webhooks: DeliveryWorker;
  start(): Promise<void>;
  /**
   * Drains (see src/operations/shutdown.ts): `/ready` answers `draining`, no
   * new connections, requests under way finish within SHUTDOWN_TIMEOUT; then
   * everything closes.
   */
  stop(): Promise<void>;
}

/** What tests may replace in an app. */
export interface AppOptions {
  /** The webhook worker's clock (retry schedule, Retry-After, signature timestamps). */
  clock?: () => Date;
}

export async function createApp(config: Config, options: AppOptions = {}): Promise<App> {
  const http = Fastify({
    logger: { level: config.logLevel },
    genReqId: requestIdOf,
    requestIdHeader: false,
    // While draining, requests on connections already open are still served (`/ready` answers `draining`).
    return503OnClosing: false,
    bodyLimit: 8 * 1024 * 1024,
    rewriteUrl: (request) => normalisedRestPath(request.url ?? '/'),
    routerOptions: {
      // Rails-style query strings: `labels[]=a&labels[]=b` is an array, `payload[0][key]=…` nests.
      querystringParser: (query: string) => qs.parse(query, { depth: 5, arrayLimit: 1000 }),
      // A long path parameter is an id no record has (404 from the route), not a router error (414):
      // as long as Node's whole request head (16 KB), so the router never refuses one first.
      maxParamLength: 16_384,
    },
    // A path whose %-escapes are no UTF-8 (`%C0%80`, a lone `%`): Rails' ActionController::BadRequest, in an error body.
    frameworkErrors: (error, _request, reply: FastifyReply) =>
      error.code === 'FST_ERR_BAD_URL'
        ? reply.code(400).send({ error: 'Invalid path parameters: invalid %-encoding' })
        : reply.code(500).send({ status: 500, error: 'Internal Server Error' }),
    // A request head Node refuses before any route (too large: 431; malformed: 400), in an error body too.
    clientErrorHandler: (error, socket) => {
      if (!socket.writable) return;
      const status = (error as { code?: string }).code === 'HPE_HEADER_OVERFLOW' ? 431 : 400;
      const body = JSON.stringify({ error: STATUS_CODES[status] });
      socket.end(
        `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
      );
    },
  });
  echoRequestIds(http);
  const metrics = new Metrics();
  metrics.measureRequests(http);
  const eventStreams = new EventStreams();
  eventStreams.track(http);
  const connections = new OpenConnections(http.server);
  const database = await openDatabase(config);
  const db = database.prisma;
  const bootstrapResult = await bootstrap(db, config).finally(() => database.startupDone());

  const outbox = new Outbox(database, {
    onListenerError: (error, listener) => http.log.error({ err: error, listener }, 'event listener failed'),
  });
  const destinationGuard = new DestinationGuard({ allowPrivate: config.webhookAllowPrivate });
  const worker = new DeliveryWorker(db, {
    timeoutSeconds: config.webhookTimeoutSeconds,
    logger: http.log,
    now: options.clock,
    guard: destinationGuard,
    messageStatus: new MessageDeliveryStatus(db, outbox),
    onAttempt: metrics.webhookAttempt,
  });
  // Subscriptions that reconnect resume from the outbox's history (src/events/history.ts).
  const history = new EventHistory(db, config.replay);
  const bus = createEventBus({
    fill: (accountId, from, to) => history.between(accountId, from, to),
    onFillError: (error) => http.log.error({ err: error }, 'reading missed events failed'),
    redisUrl: config.redisUrl,
    namespace: config.redisNamespace,
    onRedisError: (error) => http.log.error({ err: error }, 'Redis connection failed'),
    onFanOut: metrics.eventFanOut,
  });
  // Every instance hears of the others' writes, so that its read caches stay true (src/shared-writes.ts).
  const stopSharingWrites = config.redisUrl
    ? shareWrites(database, {
        redisUrl: config.redisUrl,
        namespace: config.redisNamespace,
        onRedisError: (error) => http.log.error({ err: error }, 'Redis connection failed'),
      })
    : async () => undefined;
  const readiness = new Readiness({ database, bus, redisConfigured: config.redisUrl !== undefined, logger: http.log });
  const pubsub = resumablePubsub(bus, history);
  const cursors = new EventCursors(await history.epoch());
  const readCache = { writeEpoch: database.writeEpoch, maxEntries: config.readCacheEntries };
  attachWebhooks(outbox, new WebhookPlanner(readCache), worker);
  attachRealtime(outbox, bus);

  const services = createServices(db, outbox, { frontendUrl: config.frontendUrl, wakeWebhooks: () => worker.wake(), destinationGuard });
  const authenticator = new Authenticator(db, readCache);
  const queryCache = { writeEpoch: database.writeEpoch, maxEntries: config.queryCacheEntries };
  const yoga = createGraphqlServer({ db, services, pubsub, authenticator, logger: http.log, readCache: queryCache, bus, cursors, history });

  http.removeAllContentTypeParsers();
  // JSON text is UTF-8 (RFC 8259): bytes that are not are refused, never stored as replacement characters.
  const utf8 = new TextDecoder('utf-8', { fatal: true });
  http.addContentTypeParser(['application/json', 'application/*+json'], { parseAs: 'buffer' }, (request, body, done) => {
    let parsed: unknown;
    try {
      const text = typeof body === 'string' ? body : utf8.decode(body);
      if (text.trim() === '') return done(null, {});
      parsed = JSON.parse(text);
    } catch {
      return done(Object.assign(new Error('The request body is not valid JSON'), { statusCode: 400 }), undefined);
    }
    // As Rails' JSON parser (max_nesting): a REST body nested deeper is a bad request, not a value to store.
    // GraphQL refuses deep variables itself, in its own error shape (src/graphql/input-guard.ts).
    if (isRestPath(request.url) && inputDefect(parsed, 1, { strings: false }) === 'too_deep')
      return done(Object.assign(new Error(TOO_DEEP_BODY), { statusCode: 400 }), undefined);
    done(null, parsed);
  });
  await http.register(formbody, { parser: (body) => qs.parse(body, { depth: 5, arrayLimit: 1000 }) });
  registerMultipart(http, { maxFileBytes: config.attachmentMaxBytes });
  http.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => done(null, body));

  http.setErrorHandler((error: { statusCode?: number; message: string }, request, reply) => {
    const status = error.statusCode && error.statusCode < 500 ? error.statusCode : 500;
    if (status === 500) request.log.error({ err: error }, 'request failed');
    return reply.code(status).send(status === 500 ? { status: 500, error: 'Internal Server Error' } : { error: error.message });
  });
  http.setNotFoundHandler((_request, reply) => reply.code(404).send({ status: 404, error: 'Not Found' }));

  mountLanding(http, { database: database.kind });
  http.get('/health', async () => ({ status: 'ok' }));
  readiness.mount(http);
  metrics.mount(http);
  mountAttachmentDownload(http, services.attachments);
  const toYoga = {
    handler: async (request: FastifyRequest, reply: FastifyReply) => {
      const response = await yoga.handleNodeRequestAndResponse(request, reply, {});
      response.headers.forEach((value, key) => reply.header(key, value));
      reply.status(response.status);
      reply.send(response.body);
      return reply;
    },
  };
  http.route({ url: '/graphql', method: ['GET', 'POST', 'OPTIONS'], ...toYoga });
  http.route({ url: GRAPHQL_SSE_PATH, method: ['GET', 'POST', 'PUT', 'DELETE', 'OPTIONS'], ...toYoga });
  mountRoutes(http, routeTable, { authenticator, services });

  const graphqlWs = new WebSocketServer({ noServer: true });
  const graphqlWsBinding = bindGraphqlWs(graphqlWs, yoga, authenticator);
  const presence = new Presence(db, readCache, {
    redisUrl: config.redisUrl,
    namespace: config.redisNamespace,
    onRedisError: (error) => http.log.error({ err: error }, 'Redis connection failed'),
  });
  const room = new RoomChannel(authenticator, yoga);
  const audiences = new Audiences(db, room, bus, history.limits, (error) => http.log.error({ err: error }, '/cable subscription failed'));
  const cable = new CableServer({
    room,
    audiences,
    presence,
    // AnyCable's extended protocol: history replayed from the outbox, sessions restored on this instance.
    replay: new CableReplay(db, room, history),
    sessions: new CableSessions(),
    onError: (error) => http.log.error({ err: error }, '/cable subscription failed'),
    log: http.log,
  });
  http.server.on('upgrade', (request, socket, head) => {
    const { pathname } = new URL(request.url ?? '/', 'http://localhost');
    if (pathname === '/graphql') graphqlWs.handleUpgrade(request, socket, head, (ws) => graphqlWs.emit('connection', ws, request));
    else if (pathname === '/cable') cable.handleUpgrade(request, socket, head);
    else socket.destroy();
  });
  metrics.observe({
    openSockets: { 'graphql-ws': () => graphqlWs.clients.size, cable: () => cable.size, sse: () => eventStreams.size },
    subscriptions: { 'graphql-ws': graphqlWsBinding.subscriptions, cable: () => audiences.subscriptions },
    webhookBacklog: webhookBacklog(db, { now: options.clock, logger: http.log }),
  });

  let restoreLinkBase = () => undefined as void;
  let stopPruning = () => undefined as void;
  const app: App = {
    http,
    database,
    bootstrap: bootstrapResult,
    url: '',
    webhooks: worker,
    async start() {
      app.url = await http.listen({ port: config.port, host: config.host });
      // Attachment URLs: FRONTEND_URL, else the address this server listens on.
      restoreLinkBase = useLinkBase(config.publicUrl ?? app.url);
      worker.start();
      cable.start();
      stopPruning = history.schedulePruning(
        (error) => http.log.error({ err: error }, 'pruning the event history failed'),
        (count) => http.log.info({ count }, 'pruned old events'),
      );
    },
    async stop() {
      stopPruning();
      await drainAndClose(
        {
          http,
          connections,
          readiness,
          eventStreams,
          graphqlWs,
          cable,
          worker,
          resources: [
            { name: 'event bus', close: () => bus.close() },
            { name: 'presence', close: () => presence.close() },
            { name: 'shared writes', close: stopSharingWrites },
            { name: 'database', close: () => database.close() },
          ],
          logger: http.log,
        },
        config.shutdownTimeoutSeconds * 1000,
      );
      restoreLinkBase();
      // prom-client's default GC metric observes for the life of the process and holds this registry:
      // emptied, it no longer holds the app's gauges, and through them the stopped app and its database.
      metrics.registry.clear();
    },
  };
  return app;
}
