import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnDaemon } from './daemon.js';

/** A throwaway PostgreSQL cluster for a test (Debian package `postgresql`), reachable on a unix socket. */
export interface TestPostgres {
  /** Connection string for `db.url` / `pg`: `postgresql://postgres@/postgres?host=<socket dir>`. */
  url: string;
  /** Creates another database in the cluster and returns its connection string. */
  createDatabase(name: string): string;
  /** Stops the server (SIGKILL when `hard`) and removes its directory. */
  stop(hard?: boolean): Promise<void>;
}

/** Where Debian keeps the server binaries (initdb, postgres are not on PATH there). */
function pgBin(name: string): string {
  for (const v of ['17', '16', '15', '14', '13']) {
    const p = `/usr/lib/postgresql/${v}/bin/${name}`;
    if (existsSync(p)) return p;
  }
  return name;
}

/**
 * PostgreSQL refuses to run as root: as root, run its tools as the `postgres` system user. `setpriv`
 * execs in place (no parent left between us and postgres), so signals reach the server itself.
 */
function asPostgres(cmd: string, args: string[]): [string, string[]] {
  return process.getuid?.() === 0
    ? ['setpriv', ['--reuid=postgres', '--regid=postgres', '--init-groups', cmd, ...args]]
    : [cmd, args];
}

/**
 * Creates a cluster with `initdb` in a temporary directory, starts `postgres` on a unix socket only
 * (no TCP port, so parallel tests never collide, fsync off: test data is throwaway) and resolves once
 * it accepts connections.
 */
export async function startPostgres(): Promise<TestPostgres> {
  const dir = mkdtempSync(join(tmpdir(), 'minirtc-pg-'));
  chmodSync(dir, 0o700);
  if (process.getuid?.() === 0) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    chownSync(dir, uid, gid);
  }
  const data = join(dir, 'data');
  const [initCmd, initArgs] = asPostgres(pgBin('initdb'), [
    '-D',
    data,
    '-U',
    'postgres',
    '--auth=trust',
    '--no-sync',
    '-E',
    'UTF8',
  ]);
  execFileSync(initCmd, initArgs, { stdio: ['ignore', 'pipe', 'pipe'] });
  const [cmd, args] = asPostgres(pgBin('postgres'), [
    '-D',
    data,
    '-c',
    'listen_addresses=',
    '-c',
    `unix_socket_directories=${dir}`,
    '-c',
    'fsync=off',
    '-c',
    'synchronous_commit=off',
    '-c',
    'full_page_writes=off',
    '-c',
    'max_connections=100',
  ]);
  const d = await spawnDaemon(cmd, args, /ready to accept connections/i, 'SIGINT');
  const urlOf = (db: string): string => `postgresql://postgres@/${db}?host=${encodeURIComponent(dir)}`;
  return {
    url: urlOf('postgres'),
    createDatabase(name) {
      if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`bad database name ${name}`);
      const [c, a] = asPostgres(pgBin('psql'), [
        '-h',
        dir,
        '-U',
        'postgres',
        '-c',
        `CREATE DATABASE ${name}`,
      ]);
      execFileSync(c, a, { stdio: ['ignore', 'pipe', 'pipe'] });
      return urlOf(name);
    },
    async stop(hard = false) {
      await d.stop(hard);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
