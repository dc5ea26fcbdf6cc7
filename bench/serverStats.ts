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

/** Answers the bench's `'stats'` messages from this process (a no-op without an IPC channel). */
export function answerStats(statements: () => number | null): void {
  if (!process.send) return;
  process.on('message', (message) => {
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
