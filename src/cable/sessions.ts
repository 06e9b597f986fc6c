/**
 * Sessions of the extended protocol (protocol.ts), for restoring them: each
 * extended connection gets a random session id in its `welcome`; when it
 * closes, the identifiers of its subscriptions are remembered under that id
 * for a while, and a client that reconnects presenting the id (the `sid`
 * query parameter, or the `X-ANYCABLE-RESTORE-SID` header) gets them back
 * without subscribing again (connection.ts checks each one's credentials
 * again first).
 *
 * - **Once.** Taking a session forgets it, and the new connection gets a
 *   new id: an id cannot be presented twice to clone its subscriptions.
 * - **Bounded.** A session is kept RESTORE_TTL_MS, and at most
 *   MAX_SESSIONS of them and MAX_IDENTIFIER_CHARS of their identifiers:
 *   beyond that the oldest are forgotten. Nothing is lost by forgetting:
 *   the client then subscribes again and asks for the history it missed.
 * - **This instance only.** Sessions live in this process's memory. A
 *   client that reconnects to another instance (or after a restart) is not
 *   restored there: it subscribes again and asks for history, which every
 *   instance serves alike, from the shared database (src/events/history.ts).
 *
 * No timer: expired sessions are dropped as new ones are remembered, and a
 * session taken after its time is refused.
 */
import { randomBytes } from 'node:crypto';

/** How long a closed session may be restored. */
export const RESTORE_TTL_MS = 5 * 60_000;

/** Closed sessions remembered at once. */
export const MAX_SESSIONS = 10_000;

/** Characters of identifiers remembered at once (an identifier may be up to 4 KB, a session hold 20). */
export const MAX_IDENTIFIER_CHARS = 8_000_000;

/** The longest session id accepted from a client; ours are 22 characters. */
const MAX_SID_LENGTH = 64;

interface Closed {
  identifiers: readonly string[];
  chars: number;
  expiresAt: number;
}

export class CableSessions {
  /** Closed sessions by id, oldest first (Map order: each is added once, when its connection closes). */
  private readonly closed = new Map<string, Closed>();
  private chars = 0;

  constructor(private readonly now: () => number = Date.now) {}

  /** A new session id: 16 random bytes, base64url; unguessable, so only its client can present it. */
  newSid(): string {
    return randomBytes(16).toString('base64url');
  }

  /** Remembers the subscriptions of a session whose connection closed. */
  remember(sid: string, identifiers: readonly string[]): void {
    if (identifiers.length === 0) return;
    const chars = identifiers.reduce((sum, identifier) => sum + identifier.length, 0);
    this.forget(sid);
    this.closed.set(sid, { identifiers, chars, expiresAt: this.now() + RESTORE_TTL_MS });
    this.chars += chars;
    const now = this.now();
    for (const [oldest, session] of this.closed) {
      const over = this.closed.size > MAX_SESSIONS || this.chars > MAX_IDENTIFIER_CHARS;
      if (!over && session.expiresAt > now) break;
      this.forget(oldest);
    }
  }

  /** The identifiers of a closed session, which is forgotten; undefined for an unknown or expired one. */
  take(sid: string): readonly string[] | undefined {
    if (sid.length > MAX_SID_LENGTH) return undefined;
    const session = this.closed.get(sid);
    if (!session) return undefined;
    this.forget(sid);
    return session.expiresAt > this.now() ? session.identifiers : undefined;
  }

  private forget(sid: string): void {
    const session = this.closed.get(sid);
    if (!session) return;
    this.closed.delete(sid);
    this.chars -= session.chars;
  }
}
