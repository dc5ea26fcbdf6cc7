import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { GCProfiler, getHeapStatistics } from 'node:v8';
import type { RecordedStatement } from './countStatements';

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
  /** V8's heap: bytes in live and not yet collected objects, and bytes it holds from the system. */
  heapUsedBytes: number;
  heapTotalBytes: number;
  /** Bytes allocated on V8's heap so far (see {@link allocatedBytes}). */
  allocatedBytes: number;
}

/**
 * Recording of the statements a gateway sends, asked over IPC: `{ record: 'start' }` (answered with
 * `{ recording: true }`), then `{ record: 'stop' }`, answered with `{ recorded: RecordedStatement[] }`.
 */
export interface RecordMessage {
  record: 'start' | 'stop';
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

/*
 * V8 gives no count of the bytes allocated. Between two garbage collections the used heap only grows,
 * by what was allocated; so allocated = the sum over collections of (used before it − used after the
 * previous one), plus the growth since the last. GCProfiler (Node ≥ 18.15) reports both sides of every
 * collection; it is restarted at each reading.
 */
let gcProfiler = new GCProfiler();
gcProfiler.start();
let allocated = 0;
let usedAfterLast = getHeapStatistics().used_heap_size;

/** Bytes allocated on V8's heap since the process loaded this module. */
function allocatedBytes(): number {
  const { statistics } = gcProfiler.stop();
  gcProfiler = new GCProfiler();
  gcProfiler.start();
  for (const gc of statistics) {
    allocated += gc.beforeGC.heapStatistics.usedHeapSize - usedAfterLast;
    usedAfterLast = gc.afterGC.heapStatistics.usedHeapSize;
  }
  const used = getHeapStatistics().used_heap_size;
  allocated += used - usedAfterLast;
  usedAfterLast = used;
  return allocated;
}

/**
 * Answers the bench's `'stats'` (and profile, and with a `recorder` statement recording) messages
 * from this process (a no-op without an IPC channel).
 */
export function answerStats(statements: () => number | null, recorder?: { start(): void; stop(): RecordedStatement[] }): void {
  if (!process.send) return;
  process.on('message', (message) => {
    if (typeof message === 'object' && message !== null && 'profile' in message) return profileWindow(message as ProfileMessage);
    if (typeof message === 'object' && message !== null && 'record' in message && recorder) {
      if ((message as RecordMessage).record === 'start') {
        recorder.start();
        process.send?.({ recording: true });
      } else process.send?.({ recorded: recorder.stop() });
      return;
    }
    if (message !== 'stats') return;
    const { user, system } = process.cpuUsage();
    const memory = process.memoryUsage();
    const stats: ServerStats = {
      cpuMicros: user + system,
      statements: statements(),
      rssBytes: memory.rss,
      heapUsedBytes: memory.heapUsed,
      heapTotalBytes: memory.heapTotal,
      // maxRSS is in kilobytes.
      maxRssBytes: process.resourceUsage().maxRSS * 1024,
      allocatedBytes: allocatedBytes(),
    };
    process.send?.(stats);
  });
  // The channel must not keep a server alive that was told to stop.
  process.channel?.unref();
}
