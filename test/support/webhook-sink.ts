/**
 * A local webhook receiver: records every request, answers with the status
 * the test chooses, and lets a test wait for the next request without races.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedWebhook {
  path: string;
  headers: IncomingHttpHeaders;
  rawBody: string;
  body: any;
}

/** A status, or a status with response headers (Retry-After, Location). */
export type SinkAnswer = number | { status: number; headers?: Record<string, string> };

export interface WebhookSink {
  url: string;
  received: ReceivedWebhook[];
  /** Resolves with the first received request matching `predicate` (already received or future). */
  next(predicate?: (hook: ReceivedWebhook) => boolean, timeoutMs?: number): Promise<ReceivedWebhook>;
  /** How the sink answers from now on; a promise holds the answer until it resolves. */
  respondWith(handler: (hook: ReceivedWebhook) => SinkAnswer | Promise<SinkAnswer>): void;
  close(): Promise<void>;
}

export async function startWebhookSink(): Promise<WebhookSink> {
  const received: ReceivedWebhook[] = [];
  const waiters: { predicate: (hook: ReceivedWebhook) => boolean; resolve: (hook: ReceivedWebhook) => void }[] = [];
  let handler: (hook: ReceivedWebhook) => SinkAnswer | Promise<SinkAnswer> = () => 200;
  const server: Server = createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk: Buffer) => (raw += chunk.toString('utf8')));
    req.on('end', async () => {
      let body: unknown;
      try {
        body = JSON.parse(raw);
      } catch {
        body = raw;
      }
      const hook = { path: req.url ?? '/', headers: req.headers, rawBody: raw, body };
      received.push(hook);
      for (const waiter of [...waiters])
        if (waiter.predicate(hook)) {
          waiters.splice(waiters.indexOf(waiter), 1);
          waiter.resolve(hook);
        }
      const answer = await handler(hook);
      const { status, headers = {} } = typeof answer === 'number' ? { status: answer } : answer;
      res.writeHead(status, headers);
      res.end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    next(predicate = () => true, timeoutMs = 10_000) {
      const found = received.find(predicate);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const waiter = { predicate, resolve };
        waiters.push(waiter);
        setTimeout(() => {
          const index = waiters.indexOf(waiter);
          if (index >= 0) {
            waiters.splice(index, 1);
            reject(new Error(`no matching webhook within ${timeoutMs} ms (received ${received.length})`));
          }
        }, timeoutMs).unref();
      });
    },
    respondWith(next) {
      handler = next;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Sinks a test file starts as it goes, all closed by `closeAll` (in afterAll). */
export function sinkPool() {
  const sinks: WebhookSink[] = [];
  return {
    async start(): Promise<WebhookSink> {
      const started = await startWebhookSink();
      sinks.push(started);
      return started;
    },
    closeAll: () => Promise.all(sinks.map((sink) => sink.close())),
  };
}

/**
 * Lets each path of `sink` answer as the test chooses: set a path's answer in
 * the returned map before its first request arrives; other paths get 200.
 */
export function answersByPath(sink: WebhookSink): Map<string, (hook: ReceivedWebhook) => SinkAnswer | Promise<SinkAnswer>> {
  const answers = new Map<string, (hook: ReceivedWebhook) => SinkAnswer | Promise<SinkAnswer>>();
  sink.respondWith((hook) => answers.get(hook.path)?.(hook) ?? 200);
  return answers;
}
