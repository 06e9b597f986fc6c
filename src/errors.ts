/**
 * Domain errors with stable codes. Services throw them; each transport maps
 * the code to its own wire form (GraphQL typed errors, REST status + body).
 */

export type ErrorCode =
  | 'UNAUTHENTICATED'
  | 'INVALID_TOKEN'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'VALIDATION_FAILED'
  | 'CONFLICT'
  | 'HISTORY_UNAVAILABLE';

export class DomainError extends Error {
  override name = 'DomainError';
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** The record does not exist, or the caller may not know that it does. */
export class NotFoundError extends DomainError {
  override name = 'NotFoundError';
  constructor(readonly resource: string) {
    super('NOT_FOUND', `${resource} not found`);
  }
}

/** The caller is known but may not do this. */
export class ForbiddenError extends DomainError {
  override name = 'ForbiddenError';
  constructor(message = 'You are not authorized to do this action') {
    super('FORBIDDEN', message);
  }
}

/** One problem with one input field, in Rails' wording. */
export interface FieldProblem {
  /** Path of the field in the input, e.g. `["content"]` or `["channel", "webhook_url"]`. */
  path: string[];
  /** Rails-style full message, e.g. `Content is too long (maximum is 150000 characters)`. */
  message: string;
}

/** Input that breaks a rule; carries every problem found. */
export class ValidationError extends DomainError {
  override name = 'ValidationError';
  /**
   * @param isRule true for a business rule stated as a plain sentence (Chatwoot
   *   raises these as exceptions, not as record validation failures).
   */
  constructor(
    readonly problems: FieldProblem[],
    readonly isRule = false,
  ) {
    super('VALIDATION_FAILED', problems.map((p) => p.message).join(', '));
  }

  /** The top-level attribute names involved, as Chatwoot's `attributes` list. */
  get attributes(): string[] {
    return [...new Set(this.problems.map((p) => p.path[0] ?? 'base'))];
  }

  /** A record validation failure on one field, e.g. `Content is too long (...)`. */
  static of(field: string, message: string): ValidationError {
    return new ValidationError([{ path: [field], message }]);
  }

  /** A broken business rule, e.g. `source_id should be unique`. */
  static rule(field: string, message: string): ValidationError {
    return new ValidationError([{ path: [field], message }], true);
  }
}
