/**
 * A PostgreSQL database created for one test file or run on the server of
 * an admin connection string, and dropped afterwards.
 */
import pg from 'pg';

/** The local PostgreSQL server's maintenance database, from which the tests create theirs. */
export const POSTGRES_ADMIN_URL = 'postgresql://postgres@127.0.0.1:5432/postgres';

/** A database created for one run on the server of `adminUrl`. */
export interface ScratchDatabase {
  url: string;
  drop(): Promise<void>;
}

let created = 0;

/** Creates an empty database named `<prefix>_<pid>_<time>_<n>` (unique within and across runs). */
export async function createScratchDatabase(adminUrl: string, prefix: string): Promise<ScratchDatabase> {
  const name = `${prefix}_${process.pid}_${Date.now()}_${++created}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: adminUrl });
      await client.connect();
      try {
        await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await client.end();
      }
    },
  };
}
