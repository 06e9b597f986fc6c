#!/bin/sh
# Snypto never uses Prisma's native schema engine: migrations run through
# @prisma/schema-engine-wasm (prisma/migrate.ts). The Prisma CLI is pointed here
# (PRISMA_SCHEMA_ENGINE_BINARY) so that it never downloads the native binary.
echo "snypto: the native Prisma schema engine is not used; run 'npm run db:migrate' or 'npm run db:new-migration -- <name>' instead." >&2
exit 1
