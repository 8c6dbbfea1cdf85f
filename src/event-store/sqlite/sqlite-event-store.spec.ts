/**
 * What the SQLite adapter promises beyond the shared contract (test/contract): durability
 * settings, the schema's guard rails, group commit, error mapping and several processes on one file.
 */
import Database from 'better-sqlite3';
import { ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { NewEvent, StoredEvent, StoreUnavailableError, StreamConflictError } from '../event-store';
import { toStoreError } from './errors';
import { SqliteEventStore, SqliteEventStoreOptions } from './sqlite-event-store';

const projectRoot = resolve(__dirname, '..', '..', '..');

describe('SqliteEventStore', () => {
  let directory: string;
  let file: string;
  const opened: SqliteEventStore[] = [];

  function open(options: SqliteEventStoreOptions = {}): SqliteEventStore {
    const store = new SqliteEventStore(file, options);
    opened.push(store);
    return store;
  }

  beforeEach(() => {
    directory = mkdtempSync(join(tmpdir(), 'sqlite-event-store-'));
    file = join(directory, 'data', 'events.sqlite');
  });

  afterEach(async () => {
    await Promise.all(opened.splice(0).map((store) => store.close()));
    rmSync(directory, { recursive: true, force: true });
  });

  describe('file and durability', () => {
    it('creates the parent directory and opens in WAL mode with synchronous FULL and a busy timeout', () => {
      const store = open();

      expect(existsSync(file)).toBe(true);
      expect(store.settings()).toEqual({ journalMode: 'wal', synchronous: 2, busyTimeoutMs: 5000, schemaVersion: 1 });
    });

    it('reports an empty store with head -1', async () => {
      await expect(open().headPosition()).resolves.toBe(-1n);
    });

    it('keeps an acknowledged append when the process is killed right after', async () => {
      const event = newEvent('ReferralReceived');

      const child = await runChild(crashAfterAppendScript, [file, JSON.stringify(event)]);

      expect(child.signal).toBe('SIGKILL');
      expect(child.stdout).toContain('acknowledged');
      expect(await open().readStream('journey-crash')).toEqual([expect.objectContaining({ id: event.id, data: event.data, revision: 0 })]);
    });

    it('refuses a file written by a newer schema', async () => {
      await open().close();
      const raw = new Database(file);
      raw.pragma('user_version = 99');
      raw.close();

      expect(() => open()).toThrow(StoreUnavailableError);
    });
  });

  describe('schema guard rails', () => {
    it('refuses UPDATE and DELETE of stored events', async () => {
      const store = open();
      await store.appendToStream('journey-1', [newEvent('A')], 'no-stream');
      const raw = new Database(file);

      try {
        expect(() => raw.prepare("UPDATE events SET type = 'Rewritten'").run()).toThrow(/immutable/);
        expect(() => raw.prepare('DELETE FROM events').run()).toThrow(/immutable/);
        expect(raw.prepare('SELECT type FROM events').all()).toEqual([{ type: 'A' }]);
      } finally {
        raw.close();
      }
    });

    it('refuses a second event with the same id or revision in a stream, even from raw SQL', async () => {
      const store = open();
      const event = newEvent('A');
      await store.appendToStream('journey-1', [event], 'no-stream');
      const raw = new Database(file);
      const insert = raw.prepare(
        "INSERT INTO events (stream_id, revision, event_id, type, data, metadata) VALUES (?, ?, ?, 'X', '{}', '{}')",
      );

      try {
        expect(() => insert.run('journey-1', 1, event.id)).toThrow(/UNIQUE/);
        expect(() => insert.run('journey-1', 0, randomUUID())).toThrow(/UNIQUE/);
      } finally {
        raw.close();
      }
    });
  });

  describe('group commit', () => {
    it('commits concurrent appends to different streams in one transaction', async () => {
      const store = open();
      const before = store.stats();

      const results = await Promise.all(
        Array.from({ length: 50 }, (_, index) => store.appendToStream(`journey-${index}`, [newEvent('A')], 'no-stream')),
      );

      expect(results).toHaveLength(50);
      expect(store.stats().commits - before.commits).toBe(1);
      expect(store.stats().largestBatch).toBe(50);
      expect(await store.readAll({ maxCount: 100 })).toHaveLength(50);
    });

    it('fails a conflicting append alone, leaving the rest of its batch committed', async () => {
      const store = open();
      await store.appendToStream('journey-busy', [newEvent('A'), newEvent('B')], 'no-stream');
      const commitsBefore = store.stats().commits;

      const good = Array.from({ length: 5 }, (_, index) =>
        store.appendToStream(`journey-${index}`, [newEvent('A'), newEvent('B')], 'no-stream'),
      );
      const stale = store.appendToStream('journey-busy', [newEvent('C'), newEvent('D')], 0);
      const outcomes = await Promise.allSettled([...good, stale]);

      expect(store.stats().commits - commitsBefore).toBe(1);
      expect(outcomes.slice(0, 5).every((outcome) => outcome.status === 'fulfilled')).toBe(true);
      await expect(stale).rejects.toBeInstanceOf(StreamConflictError);
      expect((await store.readStream('journey-busy')).map((event) => event.type)).toEqual(['A', 'B']);
      expect(await store.readAll({ maxCount: 100 })).toHaveLength(2 + 5 * 2);
    });

    it('rolls back an append that fails half-way to its savepoint, without failing the batch', async () => {
      // The trigger goes in while no store has the file open, so the store under test compiles its
      // insert against a schema that already has it (no reliance on noticing a change mid-run).
      await open().close();
      poisonType(file, 'Poison'); // an insert trigger that fails the second event of the batch below
      const store = open();
      const commitsBefore = store.stats().commits;

      const halfWritten = store.appendToStream('journey-poisoned', [newEvent('Fine'), newEvent('Poison')], 'no-stream');
      const neighbour = store.appendToStream('journey-neighbour', [newEvent('Fine')], 'no-stream');

      // By message, not toThrow: better-sqlite3's native addon keeps the SqliteError class of the
      // first test file that loaded it in this jest worker, and that class's Error is another realm's.
      await expect(halfWritten).rejects.toMatchObject({ code: 'SQLITE_CONSTRAINT_TRIGGER', message: 'poisoned event' });
      await expect(neighbour).resolves.toMatchObject({ nextRevision: 0 });
      expect(store.stats().commits - commitsBefore).toBe(1);
      expect(await store.readStream('journey-poisoned')).toEqual([]);
    });

    it('applies appends to the same stream in call order within one batch', async () => {
      const store = open();
      const first = newEvent('First');
      const commitsBefore = store.stats().commits;

      const [a, b, repeat] = await Promise.all([
        store.appendToStream('journey-1', [first], 'no-stream'),
        store.appendToStream('journey-1', [newEvent('Second')], 0),
        store.appendToStream('journey-1', [first], 'no-stream'),
      ]);

      expect(store.stats().commits - commitsBefore).toBe(1);
      expect([a.nextRevision, b.nextRevision]).toEqual([0, 1]);
      expect(repeat).toEqual(a);
      expect((await store.readStream('journey-1')).map((event) => event.type)).toEqual(['First', 'Second']);
    });

    it('commits once per turn when appends are awaited one after another', async () => {
      const store = open();
      const before = store.stats().commits;

      await store.appendToStream('journey-1', [newEvent('A')], 'no-stream');
      await store.appendToStream('journey-1', [newEvent('B')], 0);

      expect(store.stats().commits - before).toBe(2);
    });

    it('rejects a payload that cannot be stored as JSON without touching its batch', async () => {
      const store = open();
      const circular: Record<string, unknown> = {};
      circular.self = circular;

      const bad = store.appendToStream('journey-bad', [{ ...newEvent('A'), data: circular }], 'no-stream');
      const good = store.appendToStream('journey-good', [newEvent('A')], 'no-stream');

      await expect(bad).rejects.toThrow(TypeError);
      await expect(good).resolves.toMatchObject({ nextRevision: 0 });
      expect(await store.readStream('journey-bad')).toEqual([]);
    });

    it('commits appends accepted before close and refuses appends after it', async () => {
      const store = new SqliteEventStore(file);

      const accepted = store.appendToStream('journey-1', [newEvent('A')], 'no-stream');
      await store.close();

      await expect(accepted).resolves.toMatchObject({ nextRevision: 0 });
      await expect(store.appendToStream('journey-1', [newEvent('B')], 0)).rejects.toBeInstanceOf(StoreUnavailableError);
      await expect(store.readStream('journey-1')).rejects.toBeInstanceOf(StoreUnavailableError);
      expect(await open().readStream('journey-1')).toHaveLength(1);
    });
  });

  describe('when the store cannot take writes', () => {
    // Tests run as root, and root ignores file permissions, so chmod 0444 cannot make the file
    // read-only here. Opening a second handle with better-sqlite3's `readonly` flag makes SQLite
    // itself refuse the write with SQLITE_READONLY, the same code a read-only file or mount gives.
    it('fails appends on a read-only file with StoreUnavailableError and leaves the store unchanged', async () => {
      const writer = open();
      await writer.appendToStream('journey-1', [newEvent('A')], 'no-stream');
      const before = await writer.readAll();
      const reader = open({ readonly: true });

      const attempt = reader.appendToStream('journey-1', [newEvent('B'), newEvent('C')], 0);

      await expect(attempt).rejects.toBeInstanceOf(StoreUnavailableError);
      await expect(attempt).rejects.toThrow(/read-only.*SQLITE_READONLY/);
      await expect(reader.ping()).resolves.toBeUndefined();
      expect(await reader.readAll()).toEqual(before);
      expect(await writer.readAll()).toEqual(before);
    });

    it('fails a whole batch on a full disk and writes none of it', async () => {
      const store = open({ maxPageCount: 20 });
      await store.appendToStream('journey-1', [newEvent('A')], 'no-stream');
      const before = await store.readAll();
      const bulky = Array.from({ length: 50 }, () => newEvent('Bulky', { text: 'x'.repeat(4000) }));

      const small = store.appendToStream('journey-2', [newEvent('Small')], 'no-stream');
      const big = store.appendToStream('journey-1', bulky, 0);

      await expect(big).rejects.toBeInstanceOf(StoreUnavailableError);
      await expect(big).rejects.toThrow(/full.*SQLITE_FULL/);
      // They shared one transaction, so the small append was rolled back with the big one.
      await expect(small).rejects.toBeInstanceOf(StoreUnavailableError);
      expect(await store.readAll()).toEqual(before);
    });

    it('throws StoreUnavailableError when the file cannot be opened', () => {
      expect(() => new SqliteEventStore(join(directory, 'missing.sqlite'), { readonly: true })).toThrow(StoreUnavailableError);
      expect(() => new SqliteEventStore(directory)).toThrow(/SQLITE_CANTOPEN/);
    });

    it('maps SQLite failure codes to StoreUnavailableError and lets other errors through', () => {
      const unavailable = ['SQLITE_FULL', 'SQLITE_READONLY_DBMOVED', 'SQLITE_IOERR_FSYNC', 'SQLITE_CANTOPEN', 'SQLITE_BUSY'];
      for (const code of unavailable) {
        const mapped = toStoreError(new Database.SqliteError('boom', code), 'appending');
        expect(mapped).toBeInstanceOf(StoreUnavailableError);
        expect((mapped as Error).message).toContain(code);
      }
      const constraint = new Database.SqliteError('UNIQUE failed', 'SQLITE_CONSTRAINT_UNIQUE');
      expect(toStoreError(constraint, 'appending')).toBe(constraint);
      const plain = new Error('bug');
      expect(toStoreError(plain, 'appending')).toBe(plain);
    });
  });

  describe('several processes on one file', () => {
    it('waits for another process holding the write lock, then appends', async () => {
      const store = open({ busyTimeoutMs: 5000 });
      await store.headPosition(); // schema created before the other process locks the file
      const locker = await holdWriteLock(file, 300);

      const result = await store.appendToStream('journey-1', [newEvent('A')], 'no-stream');

      expect(result.nextRevision).toBe(0);
      await exited(locker);
    });

    it('fails with StoreUnavailableError when the lock is held past the busy timeout, writing nothing', async () => {
      const store = open({ busyTimeoutMs: 100 });
      await store.headPosition();
      const locker = await holdWriteLock(file, 1500);

      const attempt = store.appendToStream('journey-1', [newEvent('A')], 'no-stream');

      await expect(attempt).rejects.toBeInstanceOf(StoreUnavailableError);
      await expect(attempt).rejects.toThrow(/SQLITE_BUSY/);
      await exited(locker);
      expect(await store.readStream('journey-1')).toEqual([]);
    });

    it('lets a subscription see events written through another connection, by polling', async () => {
      const writer = open();
      const follower = open({ pollIntervalMs: 50 });
      const received: StoredEvent[] = [];
      const subscription = follower.subscribe({}, (event) => {
        received.push(event);
      });

      try {
        await writer.appendToStream('journey-1', [newEvent('A'), newEvent('B')], 'no-stream');
        await waitFor(() => received.length === 2);
        expect(received.map((event) => event.type)).toEqual(['A', 'B']);
      } finally {
        await subscription.close();
      }
    });
  });
});

function newEvent(type: string, data: Record<string, unknown> = {}): NewEvent {
  return { id: randomUUID(), type, data, metadata: { actor: 'test' } };
}

/** Adds a trigger (through a separate connection) that refuses inserts of one event type. */
function poisonType(file: string, type: string): void {
  const raw = new Database(file);
  raw.exec(`CREATE TRIGGER poison BEFORE INSERT ON events WHEN NEW.type = '${type}'
            BEGIN SELECT RAISE(ABORT, 'poisoned event'); END;`);
  raw.close();
}

/** Appends through the real adapter in a child process, then kills it the moment the append is acknowledged. */
const crashAfterAppendScript = `
  require('ts-node').register({ transpileOnly: true });
  const { SqliteEventStore } = require('./src/event-store/sqlite/sqlite-event-store');
  const [file, event] = process.argv.slice(1);
  const store = new SqliteEventStore(file);
  store.appendToStream('journey-crash', [JSON.parse(event)], 'no-stream').then(() => {
    process.stdout.write('acknowledged\\n');
    process.kill(process.pid, 'SIGKILL');
  });
`;

/** Another process that takes SQLite's write lock and keeps it for `ms`. */
const holdLockScript = `
  const Database = require('better-sqlite3');
  const [file, ms] = process.argv.slice(1);
  const db = new Database(file);
  db.exec('BEGIN IMMEDIATE');
  process.stdout.write('locked\\n');
  setTimeout(() => { db.exec('COMMIT'); db.close(); }, Number(ms));
`;

function startChild(script: string, args: string[]): ChildProcess {
  return spawn(process.execPath, ['-e', script, ...args], { cwd: projectRoot, stdio: ['ignore', 'pipe', 'inherit'] });
}

async function runChild(script: string, args: string[]): Promise<{ signal: NodeJS.Signals | null; stdout: string }> {
  const child = startChild(script, args);
  let stdout = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  const signal = await new Promise<NodeJS.Signals | null>((done) => child.on('exit', (_code, sig) => done(sig)));
  return { signal, stdout };
}

async function holdWriteLock(file: string, ms: number): Promise<ChildProcess> {
  const child = startChild(holdLockScript, [file, String(ms)]);
  await new Promise<void>((locked, failed) => {
    child.stdout?.on('data', (chunk: Buffer) => chunk.toString().includes('locked') && locked());
    child.on('exit', () => failed(new Error('lock holder exited before taking the lock')));
  });
  return child;
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((done) => child.on('exit', () => done()));
}

async function waitFor(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
