import { LiveSubscriptions } from './live-subscriptions';

class FakeSubscription {
  closed = 0;
  constructor(readonly stop: () => void) {}
  async close(): Promise<void> {
    this.closed += 1;
    this.stop();
  }
}

describe('LiveSubscriptions', () => {
  it('forgets a subscription once it has stopped, and closes only those still running', async () => {
    const live = new LiveSubscriptions<FakeSubscription>();
    const first = live.start((onStop) => new FakeSubscription(onStop));
    const second = live.start((onStop) => new FakeSubscription(onStop));
    first.stop();
    const seen: FakeSubscription[] = [];
    live.forEach((subscription) => seen.push(subscription));
    expect(seen).toEqual([second]);
    await live.closeAll();
    expect([first.closed, second.closed]).toEqual([0, 1]);
  });

  it('does not keep a subscription that stopped while it was being started', () => {
    const live = new LiveSubscriptions<FakeSubscription>();
    live.start((onStop) => {
      onStop();
      return new FakeSubscription(onStop);
    });
    const seen: FakeSubscription[] = [];
    live.forEach((subscription) => seen.push(subscription));
    expect(seen).toEqual([]);
  });
});
