import { backoffDelay } from './backoff';

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
