import { backoffDelay, withRetries, type Retrying } from './backoff';

describe('backoffDelay', () => {
  it('waits the initial pause after one failure, then doubles', () => {
    expect([1, 2, 3, 4].map((failures) => backoffDelay({ initialMs: 200 }, failures))).toEqual([200, 400, 800, 1600]);
  });

  it('never waits longer than the maximum', () => {
    const scheduler = { initialMs: 30_000, maxMs: 3_600_000 };
    expect([7, 8, 50].map((failures) => backoffDelay(scheduler, failures))).toEqual([1_920_000, 3_600_000, 3_600_000]);
  });

  it('grows by the factor given', () => {
    expect(backoffDelay({ initialMs: 100, factor: 3 }, 3)).toBe(900);
  });

  it('treats "no failure yet" as the first', () => {
    expect(backoffDelay({ initialMs: 100 }, 0)).toBe(100);
  });
});

describe('withRetries', () => {
  class Transient extends Error {}
  class Fatal extends Error {}

  /** An attempt that fails with the given errors in turn, then answers 'done'; it counts its calls. */
  function failing(...errors: Error[]) {
    const attempt = jest.fn(async () => {
      const error = errors.shift();
      if (error) throw error;
      return 'done';
    });
    return attempt;
  }

  function policy(overrides: Partial<Retrying> = {}): Retrying & { sleeps: number[] } {
    const sleeps: number[] = [];
    const sleep = async (ms: number) => {
      sleeps.push(ms);
    };
    return { attempts: 4, initialMs: 10, retryable: (error) => error instanceof Transient, sleep, sleeps, ...overrides };
  }

  it('tries again after a retryable error, pausing by the backoff, until an attempt succeeds', async () => {
    const retrying = policy();
    const attempt = failing(new Transient(), new Transient());

    await expect(withRetries(attempt, retrying)).resolves.toBe('done');
    expect(attempt).toHaveBeenCalledTimes(3);
    expect(retrying.sleeps).toEqual([10, 20]);
  });

  it('throws any other error at once, without pausing', async () => {
    const retrying = policy();
    const fatal = new Fatal();
    const attempt = failing(new Transient(), fatal);

    await expect(withRetries(attempt, retrying)).rejects.toBe(fatal);
    expect(attempt).toHaveBeenCalledTimes(2);
    expect(retrying.sleeps).toEqual([10]);
  });

  it('makes exactly `attempts` tries, then throws the last error', async () => {
    const retrying = policy({ attempts: 3 });
    const last = new Transient('third');
    const attempt = failing(new Transient(), new Transient(), last, new Transient());

    await expect(withRetries(attempt, retrying)).rejects.toBe(last);
    expect(attempt).toHaveBeenCalledTimes(3);
    expect(retrying.sleeps).toEqual([10, 20]);
  });

  it('throws what `exhausted` makes of the last error, told how many tries failed', async () => {
    const retrying = policy({
      attempts: 2,
      exhausted: (error, failures) => new Fatal(`${failures} failures: ${(error as Error).message}`),
    });

    await expect(withRetries(failing(new Transient('one'), new Transient('two')), retrying)).rejects.toThrow('2 failures: two');
  });

  it('scales each pause by the jitter draw, within the maximum', async () => {
    const retrying = policy({ attempts: 5, maxMs: 30, jitter: () => 0.5 });

    await withRetries(failing(new Transient(), new Transient(), new Transient(), new Transient()), retrying);
    expect(retrying.sleeps).toEqual([5, 10, 15, 15]);
  });
});
