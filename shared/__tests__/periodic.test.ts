import { startPeriodic } from '../periodic';

const tick = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('startPeriodic', () => {
  test('one pass at a time: ticks during a slow pass are skipped; stopping waits for the pass under way', async () => {
    let started = 0;
    let finished = 0;
    let release!: () => void;
    const stop = startPeriodic({
      intervalMs: 5,
      immediately: true,
      run: async () => {
        started++;
        await new Promise<void>((resolve) => (release = resolve));
        finished++;
      },
      onError: () => undefined,
    });
    await tick(40);
    expect(started).toBe(1);
    const stopping = stop();
    let stoppedYet = false;
    void stopping.then(() => (stoppedYet = true));
    await tick(10);
    expect(stoppedYet).toBe(false);
    release();
    await stopping;
    expect(finished).toBe(1);
    await tick(20);
    expect(started).toBe(1);
  });

  test('a failed pass is reported and the next tick runs again; a long pass sees the stop', async () => {
    const errors: unknown[] = [];
    let passes = 0;
    let sawStop = false;
    const stop = startPeriodic({
      intervalMs: 5,
      immediately: false,
      run: async (stopped) => {
        passes++;
        if (passes === 1) throw new Error('database away');
        if (passes === 2) {
          while (!stopped()) await tick(2);
          sawStop = true;
        }
      },
      onError: (error) => void errors.push(error),
    });
    expect(passes).toBe(0);
    while (passes < 2) await tick(2);
    await stop();
    expect(errors).toEqual([new Error('database away')]);
    expect(sawStop).toBe(true);
  });
});
