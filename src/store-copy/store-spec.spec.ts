import { UsageError } from '../common/cli';
import { assertDistinct, describeStore, parseStoreSpec } from './store-spec';

describe('store specs on the command line', () => {
  it('reads sqlite:<file> and kurrentdb:<connection string>', () => {
    expect(parseStoreSpec('sqlite:./data/events.db')).toEqual({ kind: 'sqlite', file: './data/events.db' });
    expect(parseStoreSpec('sqlite:C:/data/events.db')).toEqual({ kind: 'sqlite', file: 'C:/data/events.db' });
    for (const connection of ['kurrentdb://localhost:2113?tls=false', 'esdb+discover://a:2113,b:2113', 'kdb://admin:changeit@host:2113']) {
      expect(parseStoreSpec(`kurrentdb:${connection}`)).toEqual({ kind: 'kurrentdb', connection });
    }
  });

  it('reads postgres:<url>, taking the schema out of the URL', () => {
    expect(parseStoreSpec('postgres:postgres://owner:pw@db:5432/support')).toEqual({
      kind: 'postgres',
      connection: 'postgres://owner:pw@db:5432/support',
      schema: 'engine',
    });
    expect(parseStoreSpec('postgres:postgresql://db/support?sslmode=require&schema=council_a')).toEqual({
      kind: 'postgres',
      connection: 'postgresql://db/support?sslmode=require',
      schema: 'council_a',
    });
  });

  it.each([
    ['sqlite:', /needs the event file/],
    ['kurrentdb:localhost:2113', /needs a connection string/],
    ['memory', /in-memory store holds nothing/],
    ['memory:', /in-memory store holds nothing/],
    ['postgres:db', /needs a connection URL/],
    ['postgres:postgres://h/db?schema=Bad-Name', /must be a lower-case SQL identifier/],
    ['mysql:db', /unknown store "mysql:db"/],
    ['events.db', /unknown store/],
  ])('refuses %s', (text, message) => {
    expect(() => parseStoreSpec(text)).toThrow(UsageError);
    expect(() => parseStoreSpec(text)).toThrow(message);
  });

  it('refuses copying a store onto itself', () => {
    expect(() => assertDistinct(parseStoreSpec('sqlite:data/events.db'), parseStoreSpec('sqlite:./data/../data/events.db'))).toThrow(
      /same store/,
    );
    expect(() => assertDistinct(parseStoreSpec('sqlite:a.db'), parseStoreSpec('sqlite:b.db'))).not.toThrow();
    const postgres = 'postgres:postgres://db/support';
    expect(() => assertDistinct(parseStoreSpec(postgres), parseStoreSpec(`${postgres}?schema=engine`))).toThrow(/same store/);
    expect(() => assertDistinct(parseStoreSpec(postgres), parseStoreSpec(`${postgres}?schema=copy`))).not.toThrow();
  });

  it('never shows the password of a connection string', () => {
    expect(describeStore(parseStoreSpec('kurrentdb:kurrentdb://admin:secret@db1:2113?tls=true'))).toBe(
      'kurrentdb kurrentdb://db1:2113?tls=true',
    );
    expect(describeStore(parseStoreSpec('postgres:postgres://owner:secret@db:5432/support'))).toBe(
      'postgres postgres://db:5432/support schema engine',
    );
  });
});
