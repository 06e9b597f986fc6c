/**
 * Download URLs of attachments: `<base>/attachments/<token>/<file name>`.
 *
 * The base is FRONTEND_URL when configured, else the address the server
 * listens on; src/app.ts sets it once the server listens. It is one value
 * for the process (one Snypto server per process): presenters are plain
 * functions reached from many places, and carrying the base through an
 * AsyncLocalStorage instead cost every request of the message hot path
 * about a tenth of its throughput (async hooks on every promise).
 */
let linkBase = '';

/**
 * Sets the base of the attachment URLs this process hands out, e.g.
 * `https://chat.example.com`; returns what puts the previous base back (a
 * server that stops, so that servers started one inside another's life, as
 * tests do, hand out their own URLs again).
 */
export function useLinkBase(base: string): () => void {
  const previous = linkBase;
  const ours = (linkBase = base.replace(/\/+$/, ''));
  return () => {
    if (linkBase === ours) linkBase = previous;
  };
}

/** Where the attachment with this token is downloaded. */
export function attachmentUrl(token: string, fileName: string): string {
  return `${linkBase}/attachments/${token}/${encodeURIComponent(fileName)}`;
}

/** The route that serves the bytes (src/app.ts). */
export const ATTACHMENT_ROUTE = '/attachments/:token/:filename';
