/**
 * The baseline: a bare Yoga hello-world on node:http, the floor of what any
 * GraphQL request can cost on this machine. Started by run.ts.
 */
import { createServer } from 'node:http';
import { createSchema, createYoga } from 'graphql-yoga';

const yoga = createYoga({
  schema: createSchema({ typeDefs: 'type Query { hello: String! }', resolvers: { Query: { hello: () => 'world' } } }),
  logging: false,
  landingPage: false,
});
const server = createServer(yoga);
server.listen(Number(process.env.PORT), '127.0.0.1', () => console.log('ready'));
