/* global process */
/**
 * The append bench's peer: the engine's command (open a stream; record one fact on it at the
 * revision it was read at; durable before the answer) built the way Emmett's own samples build
 * it: Express through @event-driven-io/emmett-expressjs, a CommandHandler that reads the stream,
 * decides and appends with the expected stream version, on @event-driven-io/emmett-sqlite.
 *
 * What it does not do, and the engine does: tokens and access checks, the workflow (which facts
 * are allowed now), validation of the fact's data, the hash chain, idempotency keys, read models,
 * the access log, request logs and metrics. The figure is what those cost on top of a lean stack.
 *
 * Forked by scripts/bench/append.ts with its IPC channel: it sends `{ port }` once
 * listening on 127.0.0.1, and exits when the bench goes away. PEER_SQLITE_FILE names the store.
 */
import { CommandHandler, EmmettError, STREAM_DOES_NOT_EXIST } from '@event-driven-io/emmett';
import { HttpResponse, getApplication, on } from '@event-driven-io/emmett-expressjs';
import { getSQLiteEventStore } from '@event-driven-io/emmett-sqlite';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import sqlite3 from 'sqlite3';

const file = process.env.PEER_SQLITE_FILE;
if (!file) throw new Error('PEER_SQLITE_FILE must name the SQLite file');

const eventStore = getSQLiteEventStore({ fileName: file });

/**
 * Held open for the life of the server: emmett-sqlite opens and closes a connection for every
 * operation, and closing the last one checkpoints the WAL into the database and deletes it, an
 * extra fsync a command. With this one open, the peer runs as well as it can here.
 */
const keepOpen = new sqlite3.Database(file);
keepOpen.run('PRAGMA journal_mode = WAL');

/**
 * The durability emmett-sqlite's connections run with: it opens each as this one is opened, sets
 * journal_mode=WAL and leaves synchronous at the build's default (it has no option for it). Read
 * here, outside its transactions.
 */
function durability() {
  const pragma = (name) =>
    new Promise((resolve, reject) => keepOpen.get(`PRAGMA ${name}`, (error, row) => (error ? reject(error) : resolve(row[name]))));
  return pragma('journal_mode').then(async (mode) => ({
    journal_mode: mode,
    synchronous: ['OFF', 'NORMAL', 'FULL', 'EXTRA'][await pragma('synchronous')],
    busyRetries,
  }));
}

/**
 * One command at a time. emmett-sqlite 0.38.5 shares one connection among the operations in
 * flight and closes it when any of them ends ("SQLITE_MISUSE: Database is closed" for the others),
 * and the connections it opens next have no busy timeout ("SQLITE_BUSY"): with 64 clients most of
 * the first 64 commands failed. Queued, they succeed (but for the rare one below), each in its
 * own transaction and fsync.
 */
let queue = Promise.resolve();
function oneAtATime(work) {
  const done = queue.then(work);
  queue = done.catch(() => undefined);
  return done;
}

/**
 * Even one at a time, now and then a COMMIT fails with "SQLITE_BUSY: cannot commit transaction -
 * SQL statements in progress" (emmett-sqlite reads INSERT/UPDATE ... RETURNING with sqlite3's
 * db.get, whose statement is finalised asynchronously). The transaction is rolled back, so the
 * command is run again, with Emmett's own retry option; GET /settings counts how often.
 */
let busyRetries = 0;
function retriedIfBusy(error) {
  const busy = error?.code === 'SQLITE_BUSY';
  if (busy) busyRetries += 1;
  return busy;
}

/** A journey as the decision needs it: whether it was opened, and the latest preference per topic. */
const handle = CommandHandler({
  initialState: () => ({ opened: false, preferences: {} }),
  evolve: (state, event) => {
    if (event.type === 'ReferralReceived') return { ...state, opened: true };
    if (event.type === 'PreferenceRecorded')
      return { ...state, preferences: { ...state.preferences, [event.data.topic]: event.data.value } };
    return state;
  },
  mapToStreamId: (id) => `journey-${id}`,
  retry: { retries: 3, minTimeout: 1, maxTimeout: 10, shouldRetryError: retriedIfBusy },
});

/**
 * `If-Match: "7"` (a revision, counted from 0 as the engine counts) pins the expected stream
 * version (Emmett's, the count of events: 8); without it the version read is expected, as in the
 * engine.
 */
function expectedVersionOf(request) {
  const header = request.headers['if-match'];
  return header === undefined ? undefined : BigInt(header.replace(/^W\//, '').replaceAll('"', '')) + 1n;
}

/** 201 with the new revision, counted from 0 as the engine counts (Emmett's stream version is the event count). */
function created(id, result) {
  const revision = Number(result.nextExpectedStreamVersion) - 1;
  return HttpResponse(201, { location: `/journeys/${id}`, eTag: `W/"${revision}"`, body: { id, revision } });
}

const journeys = (router) => {
  router.get(
    '/settings',
    on(async () => HttpResponse(200, { body: await durability() })),
  );
  router.post(
    '/journeys',
    on(async (request) => {
      const id = randomUUID();
      const result = await oneAtATime(() =>
        handle(eventStore, id, () => ({ type: 'ReferralReceived', data: request.body.data }), {
          expectedStreamVersion: STREAM_DOES_NOT_EXIST,
        }),
      );
      return created(id, result);
    }),
  );
  router.post(
    '/journeys/:id/events',
    on(async (request) => {
      const { id } = request.params;
      const { type, data } = request.body;
      const expected = expectedVersionOf(request);
      const result = await oneAtATime(() =>
        handle(
          eventStore,
          id,
          (state) => {
            if (!state.opened) throw new EmmettError({ errorCode: 404, message: `no journey ${id}` });
            return { type, data };
          },
          expected === undefined ? undefined : { expectedStreamVersion: expected },
        ),
      );
      return created(id, result);
    }),
  );
};

const app = getApplication({ apis: [journeys] });
const server = createServer(app);
server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }));
process.on('disconnect', () => {
  keepOpen.close();
  process.exit(0);
});
