/**
 * The GraphQL side of the one inspection of untrusted input
 * (`inputDefect` in src/domain/validation.ts): variables nested deeper than
 * MAX_NESTING are refused before anything reads them (coercion, the read
 * cache's key, a resolver), on every transport, with one error naming the
 * limit. Strings are left to the services that read them, which refuse what
 * cannot be stored with a ValidationError naming the field.
 */
import { createGraphQLError, type Plugin } from 'graphql-yoga';
import { inputDefect, MAX_NESTING } from '../domain/validation.ts';
import type { Context } from '../context.ts';

export const TOO_DEEP_VARIABLES = `Variables are nested too deeply (maximum is ${MAX_NESTING} levels).`;

const refusal = () => ({ errors: [createGraphQLError(TOO_DEEP_VARIABLES, { extensions: { code: 'BAD_USER_INPUT' } })] });

const tooDeep = (variables: unknown) => inputDefect(variables, 0, { strings: false }) === 'too_deep';

export function useInputGuard(): Plugin<Context> {
  return {
    onExecute({ args, setResultAndStopExecution }) {
      if (tooDeep(args.variableValues)) setResultAndStopExecution(refusal());
    },
    onSubscribe({ args, setResultAndStopExecution }) {
      if (tooDeep(args.variableValues)) setResultAndStopExecution(refusal());
    },
  };
}
