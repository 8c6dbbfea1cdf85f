import { FixedWindowThrottlerStorage } from './fixed-window-storage';

const MINUTE = 60_000;

describe('FixedWindowThrottlerStorage', () => {
  let now = 1_000_000;
  const storage = () => new FixedWindowThrottlerStorage(() => now);
  beforeEach(() => {
    now = 1_000_000;
  });

  it('counts hits up to the limit, then refuses until the window ends, without counting refusals', async () => {
    const store = storage();
    for (let hit = 1; hit <= 3; hit += 1) {
      expect(await store.increment('alice', MINUTE, 3, MINUTE, 'writes')).toMatchObject({ totalHits: hit, isBlocked: false });
    }
    now += 45_000;
    expect(await store.increment('alice', MINUTE, 3, MINUTE, 'writes')).toEqual({
      totalHits: 4,
      timeToExpire: 15,
      isBlocked: true,
      timeToBlockExpire: 15,
    });
    now += 15_000;
    expect(await store.increment('alice', MINUTE, 3, MINUTE, 'writes')).toMatchObject({ totalHits: 1, isBlocked: false });
  });

  it('keeps subjects and throttlers apart', async () => {
    const store = storage();
    await store.increment('alice', MINUTE, 1, MINUTE, 'writes');
    expect(await store.increment('alice', MINUTE, 1, MINUTE, 'writes')).toMatchObject({ isBlocked: true });
    expect(await store.increment('bob', MINUTE, 1, MINUTE, 'writes')).toMatchObject({ isBlocked: false });
    expect(await store.increment('alice', MINUTE, 1, MINUTE, 'other')).toMatchObject({ isBlocked: false });
  });

  it('says at least one second is left, never zero, while refusing', async () => {
    const store = storage();
    await store.increment('alice', MINUTE, 1, MINUTE, 'writes');
    now += MINUTE - 1;
    expect(await store.increment('alice', MINUTE, 1, MINUTE, 'writes')).toMatchObject({ isBlocked: true, timeToBlockExpire: 1 });
  });

  it('forgets the windows of subjects who stopped writing', async () => {
    const store = storage();
    for (let subject = 0; subject < 100; subject += 1) await store.increment(`s${subject}`, MINUTE, 10, MINUTE, 'writes');
    expect(store.size).toBe(100);
    now += 2 * MINUTE;
    await store.increment('alice', MINUTE, 10, MINUTE, 'writes');
    expect(store.size).toBe(1);
  });
});
