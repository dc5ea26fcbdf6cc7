import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';

/**
 * What a server the bench started reports about itself over its IPC channel: on the message
 * `'stats'`, `{ cpuMicros, statements }` — CPU time used so far (user + system) and, for the
 * gateway, SQL statements sent so far (null elsewhere).
 */
export interface ServerStats {
  cpuMicros: number;
  statements: number | null;
  /** Resident set size now, and the highest it has been in the process's life (bytes). */
  rssBytes: number;
  maxRssBytes: number;
}

/** A CPU profile of a window of this process's life, asked over IPC: `{ profile: 'start' }`, then `{ profile: 'stop', file }`. */
export interface ProfileMessage {
  profile: 'start' | 'stop';
  /** Where `stop` writes the profile (`.cpuprofile`, Chrome DevTools' format); answered with `{ profiled: file }`. */
  file?: string;
}

/** Starts and stops V8's sampling profiler in this process (node:inspector), for bench/profile.ts. */
function profileWindow(message: ProfileMessage): void {
  const post = (method: string, params?: object) =>
    new Promise<unknown>((resolve, reject) => session.post(method, params, (error, result) => (error ? reject(error) : resolve(result))));
  if (message.profile === 'start') {
    session.connect();
    void post('Profiler.enable')
      .then(() => post('Profiler.setSamplingInterval', { interval: 200 }))
      .then(() => post('Profiler.start'))
      .then(() => process.send?.({ profiling: true }));
    return;
  }
  void post('Profiler.stop').then((result) => {
    writeFileSync(message.file!, JSON.stringify((result as { profile: unknown }).profile));
    session.disconnect();
    process.send?.({ profiled: message.file });
  });
}
const session = new Session();

/** Answers the bench's `'stats'` (and profile) messages from this process (a no-op without an IPC channel). */
export function answerStats(statements: () => number | null): void {
  if (!process.send) return;
  process.on('message', (message) => {
    if (typeof message === 'object' && message !== null && 'profile' in message) return profileWindow(message as ProfileMessage);
    if (message !== 'stats') return;
    const { user, system } = process.cpuUsage();
    const stats: ServerStats = {
      cpuMicros: user + system,
      statements: statements(),
      rssBytes: process.memoryUsage.rss(),
      // maxRSS is in kilobytes.
      maxRssBytes: process.resourceUsage().maxRSS * 1024,
    };
    process.send?.(stats);
  });
  // The channel must not keep a server alive that was told to stop.
  process.channel?.unref();
}
