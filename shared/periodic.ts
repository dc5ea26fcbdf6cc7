/**
 * A background task run every `intervalMs` while a process serves — the deadline notices, the
 * idempotency-key purge, the audit checkpoints. One pass at a time: a tick that finds the previous
 * pass still running is skipped, so a slow database never piles passes up. A failed pass is reported
 * through `onError` and retried at the next tick. The timer never keeps the process alive.
 */
export interface PeriodicTask {
  intervalMs: number;
  /** Whether the first pass runs at once (else after the first interval). */
  immediately: boolean;
  /** One pass; `stopped()` tells a long pass to end early. */
  run(stopped: () => boolean): Promise<void>;
  onError(error: unknown): void;
}

/** Starts the task; the returned function stops it and waits for a pass under way. */
export function startPeriodic(task: PeriodicTask): () => Promise<void> {
  let running: Promise<void> | null = null;
  let stopped = false;
  const isStopped = () => stopped;
  const pass = () => {
    if (running || stopped) return;
    running = task
      .run(isStopped)
      .catch((error: unknown) => task.onError(error))
      .finally(() => (running = null));
  };
  const timer = setInterval(pass, task.intervalMs);
  timer.unref();
  if (task.immediately) pass();
  return async () => {
    stopped = true;
    clearInterval(timer);
    await running;
  };
}
