import { defineConfig } from 'prisma/config';

// Used only by `prisma generate`. Migrations never go through the Prisma CLI:
// they run through the WebAssembly schema engine (src/db/migrations.ts).
export default defineConfig({
  schema: 'prisma/schema.prisma',
});
