/**
 * Download URLs of attachments: `<base>/attachments/<token>/<file name>`.
 *
 * The base is FRONTEND_URL when configured, else the origin the caller used
 * (each HTTP request) or the server's listening address (the webhook
 * worker). Presenters are plain functions reached from many places, so the
 * base travels with the async work that presents (AsyncLocalStorage, set by
 * src/app.ts per request and around the worker) rather than through every
 * presenter's arguments. Outside any such scope the URL is a path.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

const linkBase = new AsyncLocalStorage<string>();

/** Runs `work` with `base` (e.g. `https://chat.example.com`) as the base of the attachment URLs it presents. */
export function withLinkBase<T>(base: string, work: () => T): T {
  return linkBase.run(base.replace(/\/+$/, ''), work);
}

/** Where the attachment with this token is downloaded. */
export function attachmentUrl(token: string, fileName: string): string {
  return `${linkBase.getStore() ?? ''}/attachments/${token}/${encodeURIComponent(fileName)}`;
}

/** The route that serves the bytes (src/app.ts). */
export const ATTACHMENT_ROUTE = '/attachments/:token/:filename';
