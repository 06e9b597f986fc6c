/**
 * GraphQL over HTTP follows the GraphQL-over-HTTP specification: the
 * graphql-http package's server audits run against the real /graphql, and
 * every MUST and SHOULD audit passes (MAY audits are recommendations and
 * are reported, not asserted).
 */
import { serverAudits } from 'graphql-http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../support/server.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => {
  await server?.stop();
});

const audits = serverAudits({ url: () => `${server.url}/graphql`, fetchFn: fetch });

describe('GraphQL over HTTP audits', () => {
  it.each(audits.filter((audit) => /^(MUST|SHOULD) /.test(audit.name)).map((audit) => [audit.name, audit] as const))(
    '%s',
    async (_name, audit) => {
      const result = await audit.fn();
      expect(result.status === 'ok' ? 'ok' : `${result.status}: ${result.reason}`).toBe('ok');
    },
  );
});
