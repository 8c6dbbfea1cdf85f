import { Global, Logger, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { EventStore } from '../event-store/event-store';
import { ServiceNotReadyError } from '../errors/domain-errors';
import { EventStoreHealthIndicator } from './event-store.health';
import { HealthController } from './health.controller';
import { HealthModule } from './health.module';

/** Only ping() matters to /health; the rest of the port is not called. */
const ping = jest.fn<Promise<void>, []>();

@Global()
@Module({ providers: [{ provide: EventStore, useValue: { ping } }], exports: [EventStore] })
class StubStoreModule {}

describe('HealthController', () => {
  let controller: HealthController;
  let indicator: EventStoreHealthIndicator;
  let warn: jest.SpyInstance;

  beforeEach(async () => {
    ping.mockReset();
    warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const moduleRef = await Test.createTestingModule({ imports: [StubStoreModule, HealthModule] }).compile();
    controller = moduleRef.get(HealthController);
    indicator = moduleRef.get(EventStoreHealthIndicator);
  });
  afterEach(() => warn.mockRestore());

  it('is up when the store answers a ping', async () => {
    ping.mockResolvedValue(undefined);
    await expect(controller.check()).resolves.toMatchObject({
      status: 'ok',
      details: { process: { status: 'up' }, eventStore: { status: 'up' } },
    });
    expect(ping).toHaveBeenCalledTimes(1);
  });

  it('is not ready when the ping fails, and keeps the cause in the log', async () => {
    ping.mockRejectedValue(new Error('SQLITE_CANTOPEN: /var/lib/spe/events.db'));
    const error = await controller.check().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ServiceNotReadyError);
    expect((error as ServiceNotReadyError).checks).toEqual({
      process: expect.objectContaining({ status: 'up' }),
      eventStore: { status: 'down', message: 'the event store did not answer' },
      // Not a SQLite store here: nothing for quick_check to find.
      storeFile: { status: 'up' },
      // No read models in this module: nothing to show, nothing down.
      readModels: { status: 'up' },
    });
    expect(JSON.stringify((error as ServiceNotReadyError).checks)).not.toContain('/var/lib');
    expect(String(warn.mock.calls[0][0])).toContain('SQLITE_CANTOPEN');
  });

  it('gives up on a ping that hangs', async () => {
    ping.mockReturnValue(new Promise<void>(() => undefined));
    await expect(indicator.isReady('eventStore', 20)).resolves.toEqual({
      eventStore: { status: 'down', message: 'the event store did not answer' },
    });
    expect(String(warn.mock.calls[0][0])).toContain('timed out after 20 ms');
  });

  it('answers liveness without asking the store', async () => {
    ping.mockRejectedValue(new Error('down'));
    expect(controller.live()).toEqual({
      status: 'ok',
      info: { process: { status: 'up', uptimeSeconds: expect.any(Number) } },
      error: {},
      details: { process: { status: 'up', uptimeSeconds: expect.any(Number) } },
    });
    expect(ping).not.toHaveBeenCalled();
  });
});
