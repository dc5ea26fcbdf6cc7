import { execFileSync } from 'node:child_process';
import { chownSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The PostgreSQL 15 server binaries of the Debian packages (initdb, pg_ctl, pg_basebackup). */
export const PG_BIN = '/usr/lib/postgresql/15/bin';

/**
 * initdb, pg_ctl and pgbouncer refuse to run as root: when the tests run as root, the servers they
 * start run as the `postgres` user of the Debian packages (through runuser) instead.
 */
function serverUser(): { name: string; uid: number; gid: number } | null {
  if (process.getuid?.() !== 0) return null;
  const [uid, gid] = ['-u', '-g'].map((flag) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim()));
  return { name: 'postgres', uid: uid!, gid: gid! };
}

const user = serverUser();

/** A temporary directory the servers' user may write (under os.tmpdir(); the caller removes it). */
export function serverTempDir(label: string): string {
  const dir = mkdtempSync(join(tmpdir(), `lt-${label}-${process.pid}-`));
  if (user) chownSync(dir, user.uid, user.gid);
  return dir;
}

/** Runs a server binary to completion as the servers' user; throws with its output when it fails. */
export function runAsServerUser(file: string, args: string[]): string {
  const [command, argv] = user ? ['runuser', ['-u', user.name, '--', file, ...args]] : [file, args];
  try {
    return execFileSync(command, argv, { encoding: 'utf8', stdio: 'pipe' });
  } catch (error) {
    const { stderr, stdout } = error as { stderr?: string; stdout?: string };
    throw new Error(`${file} ${args.join(' ')} failed: ${stderr || stdout || String(error)}`, { cause: error });
  }
}
