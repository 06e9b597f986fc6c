/**
 * One table from domain errors to Chatwoot's statuses and bodies
 * (spec/API.md §1.4). Routes choose how a validation failure is worded:
 * `record` (`{"message","attributes"}`) or `exception` (`{"error"}`).
 */
import { AuthError } from '../auth.ts';
import { DomainError, ValidationError } from '../errors.ts';
import { MAX_NESTING, snakeCase } from '../domain/validation.ts';

export type ValidationStyle = 'record' | 'exception';

export interface ErrorReply {
  status: number;
  body: unknown;
}

/** The 400 for a JSON body nested deeper than MAX_NESTING (Rails' JSON parser refuses such a body too). */
export const TOO_DEEP_BODY = `The request body is nested too deeply (maximum is ${MAX_NESTING} levels)`;

export const NOT_FOUND_BODY = { error: 'Resource could not be found' };
/** The Client API has no handler of its own: Rails' default JSON for a missing record. */
export const CLIENT_NOT_FOUND_BODY = { status: 404, error: 'Not Found' };

/** The reply for a domain error, or undefined for an unexpected error (a 500). */
export function replyForError(error: unknown, style: ValidationStyle, notFoundBody: unknown = NOT_FOUND_BODY): ErrorReply | undefined {
  if (error instanceof AuthError)
    return {
      status: 401,
      body: error.reason === 'missing_credentials' ? { errors: [error.message] } : { error: error.message },
    };
  if (error instanceof ValidationError) {
    if (style === 'exception')
      return { status: 422, body: { error: error.isRule ? error.message : `Validation failed: ${error.message}` } };
    return error.isRule
      ? { status: 422, body: { error: error.message } }
      : { status: 422, body: { message: error.message, attributes: error.attributes.map(snakeCase) } };
  }
  if (error instanceof DomainError) {
    switch (error.code) {
      case 'NOT_FOUND':
        return { status: 404, body: notFoundBody };
      case 'FORBIDDEN':
        return { status: 401, body: { error: 'You are not authorized to do this action' } };
      case 'UNAUTHENTICATED':
      case 'INVALID_TOKEN':
        return { status: 401, body: { error: error.message } };
      default:
        return { status: 422, body: { error: error.message } };
    }
  }
  return undefined;
}
