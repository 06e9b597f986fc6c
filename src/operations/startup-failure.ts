/**
 * Start-up failures an operator can fix, told in one line: PostgreSQL that
 * cannot be reached, a database that does not exist or refuses the login,
 * a PORT already in use or a HOST that is no address of this machine, a
 * data directory that cannot be written.
 *
 * `describeStartupFailure` recognises them by the error's `code`, wherever it
 * sits: on the error itself (node:net, node:fs, pg's SQLSTATE), on a `cause`
 * (Prisma's driver adapter wraps PostgreSQL's errors: `cause.originalCode`,
 * `cause.kind`), inside an AggregateError, or as the errno of PGlite's
 * file system (`ErrnoError`, Emscripten's numbering). The line names what
 * was tried from the configuration (host, port, user and database, never
 * the password of DATABASE_URL) and what to change. Anything else is a bug and
 * gets no line: its caller prints the stack.
 */
import path from 'node:path';
import type { Config } from '../config.ts';

export type StartupTarget = Pick<Config, 'port' | 'host' | 'databaseUrl' | 'dataDir'>;

/** A failure in two parts: what went wrong, and what to do about it. */
interface Explanation {
  problem: string;
  fix: string;
}

/** What an error (or one of its causes) says of itself. */
interface Clue {
  code: string | undefined;
  syscall: string | undefined;
  path: string | undefined;
  /** The name a failed DNS lookup asked for. */
  hostname: string | undefined;
  message: string;
}

/** The one line for `error`, e.g. `Snypto could not start: port 3000 is already in use (PORT=3000). Stop …`; undefined when it is no start-up failure Snypto knows. */
export function describeStartupFailure(error: unknown, config: StartupTarget): string | undefined {
  for (const clue of cluesOf(error)) {
    const explanation =
      clue.syscall === 'listen'
        ? listenFailure(clue, config)
        : ((config.databaseUrl ? postgresFailure(clue, config.databaseUrl) : dataDirFailure(clue, config.dataDir)) ??
          unknownHost(clue, config));
    if (explanation) return `Snypto could not start: ${explanation.problem}. ${explanation.fix}`;
  }
  return undefined;
}

function listenFailure(clue: Clue, config: StartupTarget): Explanation | undefined {
  switch (clue.code) {
    case 'EADDRINUSE':
      return {
        problem: `port ${config.port} is already in use (PORT=${config.port})`,
        fix: 'Stop the other process or set PORT to a free port.',
      };
    case 'EACCES':
      return {
        problem: `listening on port ${config.port} is not permitted (PORT=${config.port})`,
        fix: 'Set PORT to 1024 or above, or give the process the right to use low ports (CAP_NET_BIND_SERVICE).',
      };
    case 'EADDRNOTAVAIL':
      return {
        problem: `${config.host} is not an address of this machine (HOST=${config.host})`,
        fix: 'Set HOST to one of its addresses, or to 0.0.0.0 to listen on all of them.',
      };
  }
  return undefined;
}

/** HOST naming no machine (Fastify looks it up before listening). */
function unknownHost(clue: Clue, config: StartupTarget): Explanation | undefined {
  if ((clue.code !== 'ENOTFOUND' && clue.code !== 'EAI_AGAIN') || clue.hostname !== config.host) return undefined;
  return {
    problem: `the host name ${config.host} cannot be found (HOST=${config.host})`,
    fix: 'Set HOST to an address of this machine, or to 0.0.0.0 to listen on all of them.',
  };
}

function postgresFailure(clue: Clue, databaseUrl: string): Explanation | undefined {
  const target = postgresTarget(databaseUrl);
  const server = `PostgreSQL at ${target.host}:${target.port}`;
  switch (clue.code) {
    case 'ECONNREFUSED':
    case 'DatabaseNotReachable':
      return {
        problem: `no PostgreSQL server answers at ${target.host}:${target.port} (DATABASE_URL)`,
        fix: 'Start PostgreSQL there, or set DATABASE_URL to a server that is running.',
      };
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      // Fastify looks HOST up too: only the lookup of DATABASE_URL's host is PostgreSQL's.
      if (clue.hostname !== target.host) return undefined;
      return {
        problem: `the PostgreSQL host ${target.host} cannot be found (DATABASE_URL)`,
        fix: 'Correct the host name in DATABASE_URL.',
      };
    case 'ETIMEDOUT':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'SocketTimeout':
      return {
        problem: `${server} cannot be reached (${clue.code}, DATABASE_URL)`,
        fix: 'Check the host and port in DATABASE_URL and the network to them.',
      };
    case '3D000':
    case 'DatabaseDoesNotExist':
      return {
        problem: `database "${target.database}" does not exist on ${server} (DATABASE_URL)`,
        fix: `Create it (CREATE DATABASE "${target.database}") or set DATABASE_URL to an existing database.`,
      };
    case '28P01':
    case 'AuthenticationFailed':
      return {
        problem: `${server} refused the password of user "${target.user}" (DATABASE_URL)`,
        fix: 'Correct the user name and password in DATABASE_URL.',
      };
    case '28000':
    case 'DatabaseAccessDenied':
      return {
        // PostgreSQL's own words say which rule refused (no such role, no pg_hba.conf entry); they hold no password.
        problem: `${server} refused user "${target.user}" for database "${target.database}": ${clue.message} (DATABASE_URL)`,
        fix: 'Set DATABASE_URL to a user the server accepts, or let this one in (CREATE ROLE, pg_hba.conf).',
      };
  }
  return undefined;
}

/** Where DATABASE_URL points, without its password; pg's defaults where the URL leaves a part out. */
function postgresTarget(databaseUrl: string) {
  const url = new URL(databaseUrl);
  const user = decodeURIComponent(url.username) || 'postgres';
  return {
    host: url.searchParams.get('host') ?? (url.hostname || 'localhost'),
    port: url.searchParams.get('port') ?? (url.port || '5432'),
    database: decodeURIComponent(url.pathname.slice(1)) || user,
    user,
  };
}

const DATA_DIR_PROBLEMS: Record<string, string> = {
  ENOTDIR: 'a part of its path is a file, not a directory',
  EEXIST: 'it is a file, not a directory',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'the file system is read-only',
  ENOSPC: 'the disk is full',
};

function dataDirFailure(clue: Clue, dataDir: string): Explanation | undefined {
  const reason = clue.code === undefined ? undefined : DATA_DIR_PROBLEMS[clue.code];
  if (reason === undefined) return undefined;
  // A node:fs error names its path: it must be the data directory, within it or on the way to it.
  if (clue.path !== undefined && !onPath(clue.path, dataDir)) return undefined;
  // A file where the directory should be (EEXIST) is said by mkdir of the directory itself only.
  if (clue.code === 'EEXIST' && (clue.syscall !== 'mkdir' || path.resolve(clue.path ?? '') !== dataDir)) return undefined;
  return {
    problem: `the data directory ${dataDir} (SNYPTO_DATA_DIR) cannot be used: ${reason}`,
    fix:
      clue.code === 'ENOSPC'
        ? 'Free some space, or set SNYPTO_DATA_DIR to a directory on another disk.'
        : 'Set SNYPTO_DATA_DIR to a directory Snypto can create and write to (or DATABASE_URL to use PostgreSQL).',
  };
}

/** Whether `file` is `dataDir`, inside it, or one of its parents. */
function onPath(file: string, dataDir: string): boolean {
  const resolved = path.resolve(file);
  const inside = (child: string, parent: string) => {
    const relative = path.relative(parent, child);
    return !relative.startsWith('..') && !path.isAbsolute(relative);
  };
  return inside(resolved, dataDir) || inside(dataDir, resolved);
}

/** Emscripten's errno numbers (PGlite's file system) of the failures above. */
const EMSCRIPTEN_ERRNO: Record<number, string> = { 2: 'EACCES', 51: 'ENOSPC', 54: 'ENOTDIR', 63: 'EPERM', 69: 'EROFS' };

/** `error` and everything it wraps (`cause`, an AggregateError's `errors`), outermost first. */
function cluesOf(error: unknown): Clue[] {
  const clues: Clue[] = [];
  const pending: unknown[] = [error];
  const seen = new Set<unknown>();
  while (pending.length > 0 && clues.length < 20) {
    const current = pending.shift();
    if (typeof current !== 'object' || current === null || seen.has(current)) continue;
    seen.add(current);
    const fields = current as Record<string, unknown>;
    const text = (key: string) => (typeof fields[key] === 'string' ? (fields[key] as string) : undefined);
    const pgliteCode =
      fields.name === 'ErrnoError' && typeof fields.errno === 'number' ? EMSCRIPTEN_ERRNO[fields.errno] : undefined;
    clues.push({
      // node:net and node:fs codes and pg's SQLSTATE (`code`); the driver adapter's SQLSTATE and kind (`originalCode`, `kind`).
      code: text('code') ?? text('originalCode') ?? text('kind') ?? pgliteCode,
      syscall: text('syscall'),
      path: text('path'),
      hostname: text('hostname'),
      message: text('message') ?? text('originalMessage') ?? '',
    });
    pending.push(fields.cause);
    if (Array.isArray(fields.errors)) pending.push(...(fields.errors as unknown[]));
  }
  return clues;
}
