import { startServer, type ChildServer } from './processes';

/** Prints one line of the bench's progress. */
export type Progress = (message: string) => void;

/** A progress printer whose lines are stamped with the seconds since `began`. */
export function progressPrinter(began: number): Progress {
  return (message) => console.log(`[${((Date.now() - began) / 1000).toFixed(1).padStart(6)} s] ${message}`);
}

/** Keeps what the bench started (child servers, temporary folders, Redis keys), so that it all goes at the end, also on Ctrl-C. */
export interface Lifecycle {
  /** Starts `entry` as a child server (see {@link startServer}, 180 s to be ready) and keeps it until stopped. */
  start(entry: string, env: Record<string, string>, ready?: RegExp, nodeArgs?: readonly string[]): Promise<ChildServer>;
  stop(server: ChildServer): Promise<void>;
  /** Registers a clean-up for {@link Lifecycle.stopAll}, which runs them in this order once the servers are stopped. */
  onStop(cleanup: () => void | Promise<void>): void;
  /** Stops every server still running, then runs the clean-ups (each once). */
  stopAll(): Promise<void>;
}

/** An empty {@link Lifecycle}. */
export function createLifecycle(): Lifecycle {
  const running = new Set<ChildServer>();
  const cleanups: (() => void | Promise<void>)[] = [];
  return {
    async start(entry, env, ready, nodeArgs) {
      const server = await startServer(entry, env, 180_000, ready, nodeArgs);
      running.add(server);
      return server;
    },
    async stop(server) {
      await server.stop();
      running.delete(server);
    },
    onStop(cleanup) {
      cleanups.push(cleanup);
    },
    async stopAll() {
      await Promise.all([...running].map((s) => s.stop()));
      running.clear();
      for (const cleanup of cleanups.splice(0)) await cleanup();
    },
  };
}
