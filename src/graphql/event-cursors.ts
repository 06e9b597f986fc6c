/**
 * Every result a subscription delivers carries the cursor of the event it
 * answers, so that a client that reconnects can resume after it:
 *
 * - in the result, as `extensions.cursor` (graphql-ws, SSE, graphql-sse):
 *   the client passes it back as the subscription's `after` argument;
 * - over SSE and graphql-sse, also as the event's `id:` line, which an
 *   EventSource sends back by itself as `Last-Event-ID` when it reconnects
 *   (read into the context, subscriptions/events.ts).
 *
 * The cursor is the event's position in this database's history
 * (src/events/history.ts), `<epoch>:<account id>:<seq>`.
 */
import type { ExecutionResult } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Context } from '../context.ts';
import { cursorOf, HistoryUnavailableError, resumeAfterCursor } from '../events/history.ts';

/**
 * Where the event a result answers stands in its account's history (the
 * cursor `stamp` gave it, read back); undefined for a result without one.
 */
export function positionOfResult(result: ExecutionResult): { epoch: string; offset: number } | undefined {
  const cursor = result.extensions?.cursor;
  if (typeof cursor !== 'string') return undefined;
  try {
    const resume = resumeAfterCursor(cursor);
    return 'after' in resume ? { epoch: resume.epoch, offset: resume.after } : undefined;
  } catch (error) {
    if (error instanceof HistoryUnavailableError) return undefined;
    throw error;
  }
}

export class EventCursors {
  constructor(private readonly epoch: string) {}

  /** `result` with the cursor of the event the context's subscription last heard (unchanged when there is none or it has one). */
  stamp(result: ExecutionResult, context: Context): ExecutionResult {
    const event = context.heardEvent;
    if (!event || result.extensions?.cursor !== undefined) return result;
    return { ...result, extensions: { ...result.extensions, cursor: cursorOf(this.epoch, event) } };
  }

  /** The envelop plugin: stamps each result of a subscription executed for its own subscriber. */
  plugin(): Plugin<Context> {
    return {
      onSubscribe: ({ args }) => ({
        onSubscribeResult: () => ({
          onNext: ({ result, setResult }) => {
            const stamped = this.stamp(result as ExecutionResult, args.contextValue);
            if (stamped !== result) setResult(stamped);
          },
        }),
      }),
      onResponse: ({ response, setResponse }) => {
        if (!response.body || !response.headers.get('content-type')?.startsWith('text/event-stream')) return;
        setResponse(new Response(response.body.pipeThrough(sseEventIds()), response));
      },
    };
  }
}

/** The cursor in an SSE `next` event's data: Yoga's result, or graphql-sse's `{id, payload}` (single connection mode). */
function cursorInData(data: string): string | undefined {
  try {
    const value = JSON.parse(data) as { extensions?: { cursor?: unknown }; payload?: { extensions?: { cursor?: unknown } } };
    const cursor = value.extensions?.cursor ?? value.payload?.extensions?.cursor;
    return typeof cursor === 'string' ? cursor : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A text/event-stream transform that gives each `next` event whose result
 * carries a cursor an `id:` line with it; everything else (comments, pings,
 * `complete`) passes unchanged.
 */
function sseEventIds(): TransformStream<Uint8Array, Uint8Array> {
  const decoder = new TextDecoder();
  const encoder = new TextEncoder();
  let pending = '';
  const withId = (message: string): string => {
    if (!/^event: next$/m.test(message)) return message;
    const data = message
      .split('\n')
      .filter((line) => line.startsWith('data:'))
      .map((line) => line.slice(line.startsWith('data: ') ? 6 : 5))
      .join('\n');
    const cursor = cursorInData(data);
    return cursor === undefined ? message : `id: ${cursor}\n${message}`;
  };
  return new TransformStream({
    transform(chunk, controller) {
      pending += decoder.decode(chunk, { stream: true });
      let end: number;
      let out = '';
      while ((end = pending.indexOf('\n\n')) !== -1) {
        out += withId(pending.slice(0, end)) + '\n\n';
        pending = pending.slice(end + 2);
      }
      if (out) controller.enqueue(encoder.encode(out));
    },
    flush(controller) {
      pending += decoder.decode();
      if (pending) controller.enqueue(encoder.encode(pending));
    },
  });
}
