/**
 * `npm run build` (and `npm install`'s postinstall): the server as a few JavaScript files in dist/, bundled
 * with esbuild, so that `npm start` runs plain `node dist/main.js`.
 *
 * Why a bundle and not tsc's one file per source: the server imports about 1,400 modules from node_modules;
 * Node's ES module loader resolves, stats, reads and links each one, which was over a third of a start on an
 * existing database (bench:footprint). One bundle loads in a fraction of that.
 *
 * - Entries: src/main.ts (the server), src/migration-worker.ts (the short-lived migration process, which
 *   src/db.ts forks) and src/embedded-template.ts (which this script calls, below). Code they share goes into
 *   chunks beside them (`splitting`), all flat in dist/.
 * - Left to node_modules at run time: packages that read files beside their own code (PGlite's .wasm and
 *   .data, the schema engine's .wasm) and GraphiQL's 9 MB page, imported only when it is first asked for.
 * - CommonJS packages in the ES module bundle call `require`: the banner gives each file one.
 * - The migration runner reads prisma/'s schema and migration folders beside its own code: they are copied
 *   to dist/. Then dist/pglite-template is made: an embedded database with every migration applied, which
 *   a first start copies instead of running initdb and the migrations (src/embedded-template.ts). dist/BUILT
 *   records when the build finished (scripts/build-if-stale.mjs compares against it).
 * - Whitespace and comments are left out (`minifyWhitespace`; names stay as written): V8 keeps a module's
 *   source text for as long as the process lives, and a few comments with characters beyond Latin-1 made it
 *   keep the whole 6.5 MB bundle as a two-byte string (13 MB of heap); now 4.5 MB, one byte a character.
 * - Source maps are written (dist/*.map): `NODE_OPTIONS=--enable-source-maps npm start` shows stack traces
 *   against src/; they are not loaded by default (loading them costs start-up time and memory).
 *
 * Type-checking is `npm run typecheck` (`npm test` runs it); the build only translates.
 */
import { cpSync, rmSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const OUT = 'dist';

rmSync(OUT, { recursive: true, force: true });
await build({
  entryPoints: ['src/main.ts', 'src/migration-worker.ts', 'src/embedded-template.ts'],
  outdir: OUT,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20.19',
  external: ['@electric-sql/pglite', '@prisma/schema-engine-wasm', '@graphql-yoga/render-graphiql'],
  banner: { js: "import { createRequire as __snyptoCreateRequire } from 'node:module'; const require = __snyptoCreateRequire(import.meta.url);" },
  minifyWhitespace: true,
  sourcemap: 'linked',
  logLevel: 'warning',
});
cpSync('prisma/migrations', `${OUT}/migrations`, { recursive: true });
cpSync('prisma/schema.prisma', `${OUT}/schema.prisma`);

// The embedded database a first start copies: initdb and every migration, made here once by the built code.
const { makeEmbeddedTemplate } = await import(pathToFileURL(`${OUT}/embedded-template.js`).href);
await makeEmbeddedTemplate(`${OUT}/pglite-template`);

writeFileSync(`${OUT}/BUILT`, `${new Date().toISOString()}\n`);
