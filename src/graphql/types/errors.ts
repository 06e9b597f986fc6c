/**
 * Typed errors: expected failures come back as members of a field's result
 * union (`... on NotFoundError`), all sharing the `Error` interface.
 * Unexpected failures are masked by Yoga.
 */
import { DomainError, ForbiddenError, NotFoundError, ValidationError, type FieldProblem } from '../../errors.ts';
import { builder } from '../builder.ts';

export const ErrorInterface = builder.interfaceRef<DomainError>('Error').implement({
  description: 'An expected failure: something the caller can correct or should know.',
  fields: (t) => ({
    message: t.exposeString('message'),
    code: t.exposeString('code', { description: 'Stable code: NOT_FOUND, FORBIDDEN, VALIDATION_FAILED, UNAUTHENTICATED (an identity proof refused).' }),
  }),
});

builder.objectType(NotFoundError, {
  name: 'NotFoundError',
  description: 'The object does not exist, or the caller may not know that it does.',
  interfaces: [ErrorInterface],
  fields: (t) => ({ resource: t.exposeString('resource') }),
});

builder.objectType(ForbiddenError, {
  name: 'ForbiddenError',
  description: 'The caller is known but may not do this.',
  interfaces: [ErrorInterface],
  fields: () => ({}),
});

const FieldProblemType = builder.objectRef<FieldProblem>('FieldProblem').implement({
  description: 'One problem with one input field.',
  fields: (t) => ({
    path: t.exposeStringList('path', { description: 'Path of the field in the input, e.g. ["content"].' }),
    message: t.exposeString('message', { description: 'Full message, e.g. "Content is too long (maximum is 150000 characters)".' }),
  }),
});

builder.objectType(ValidationError, {
  name: 'ValidationError',
  description: 'The input breaks a rule; every problem found is listed.',
  interfaces: [ErrorInterface],
  fields: (t) => ({ problems: t.field({ type: [FieldProblemType], resolve: (error) => error.problems }) }),
});
