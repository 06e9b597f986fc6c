/**
 * Who is calling, as the domain sees it, and how a caller is refused. The
 * transports prove a principal through src/auth.ts (the Authenticator);
 * services only read it, so they import it from here and never from auth.ts,
 * which itself reads contact sessions from the domain.
 */
import { DomainError } from '../errors.ts';

/** A user or agent bot acting inside one account (src/domain/actor.ts loads what it reaches). */
export type AccountActor =
  | { kind: 'user'; accountId: number; userId: number; role: 'agent' | 'administrator' }
  | { kind: 'agentBot'; accountId: number; agentBotId: number };

export type Principal =
  | { kind: 'user'; userId: number }
  | { kind: 'agentBot'; agentBotId: number }
  | { kind: 'platformApp'; platformAppId: number }
  | ContactPrincipal;

/**
 * A customer acting in their own session of one inbox (a contact inbox):
 * proven by the inbox identifier plus the contact's `source_id`, or by the
 * contact inbox's `pubsub_token`.
 */
export interface ContactPrincipal {
  kind: 'contact';
  accountId: number;
  inboxId: number;
  contactId: number;
  contactInboxId: number;
  /**
   * The session proved the contact's identity with an HMAC (spec/API.md §6):
   * it reaches all of the contact's conversations in the account, not only
   * those of this session.
   */
  hmacVerified: boolean;
}

/** How a customer-facing client proves who it is. */
export type ContactCredentials = { inboxIdentifier: string; sourceId: string } | { pubsubToken: string };

/** Why a request is refused before it reaches a service; the REST adapter maps each to Chatwoot's body. */
export class AuthError extends DomainError {
  override name = 'AuthError';
  constructor(
    readonly reason:
      | 'missing_credentials'
      | 'invalid_token'
      | 'bot_not_allowed'
      | 'account_suspended'
      | 'not_account_member'
      | 'bot_not_in_account'
      | 'invalid_platform_token'
      | 'not_permissible',
    message: string,
  ) {
    super(reason === 'missing_credentials' ? 'UNAUTHENTICATED' : 'INVALID_TOKEN', message);
  }
}

export const AUTH_MESSAGES = {
  missing_credentials: 'You need to sign in or sign up before continuing.',
  invalid_token: 'Invalid Access Token',
  bot_not_allowed: 'Access to this endpoint is not authorized for bots',
  account_suspended: 'Account is suspended',
  not_account_member: 'You are not authorized to access this account',
  bot_not_in_account: 'Bot is not authorized to access this account',
  /** The Platform API's answer to a missing token or one that is not a platform app's. */
  invalid_platform_token: 'Invalid access_token',
  /** The Platform API's answer when the platform app did not create (and was not granted) the record. */
  not_permissible: 'Non permissible resource',
} as const;

/** The AuthError for `reason`, with Chatwoot's message. */
export const authFailure = (reason: keyof typeof AUTH_MESSAGES) => new AuthError(reason, AUTH_MESSAGES[reason]);
