import { existsSync } from 'node:fs';
import { HAPROXY_BIN } from '../../hub/haproxy';

/** Whether HAProxy is installed; in CI it must be (the suite would otherwise be skipped silently). */
export function haproxyInstalled(): boolean {
  const found = existsSync(HAPROXY_BIN);
  if (!found && process.env.CI === 'true') throw new Error(`CI=true but HAProxy is not installed at ${HAPROXY_BIN}: .ci/run installs it`);
  if (!found) console.warn(`\n[tests] HAProxy is not installed at ${HAPROXY_BIN}: the load-balancer suite is skipped.\n`);
  return found;
}
