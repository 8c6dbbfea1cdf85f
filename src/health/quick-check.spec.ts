import Database from 'better-sqlite3';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { quickCheck } from './quick-check';

describe('quickCheck', () => {
  const dir = mkdtempSync(join(tmpdir(), 'spe-quick-check-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('finds nothing wrong with a whole file', async () => {
    const file = join(dir, 'whole.db');
    const db = new Database(file);
    db.exec("CREATE TABLE t (x TEXT); INSERT INTO t VALUES ('a'), ('b');");
    db.close();
    await expect(quickCheck(file)).resolves.toEqual([]);
  });

  it('reports a file that is not a database at all', async () => {
    const file = join(dir, 'junk.db');
    writeFileSync(file, Buffer.alloc(8192, 0x5a));
    const problems = await quickCheck(file);
    expect(problems).toEqual([expect.stringMatching(/could not be checked \(SQLITE_NOTADB\)/)]);
  });
});
