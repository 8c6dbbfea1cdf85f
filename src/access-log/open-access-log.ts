/**
 * Opening the access log at start-up without letting it vanish silently. Deleting access-log.db
 * and restarting would otherwise answer every person's "who read my record" with `[]`, as if no
 * one ever had. So a missing log beside a store that holds journeys stops the start-up, unless the
 * operator says, with ACCESS_LOG_RESET_ACKNOWLEDGED=true, that starting over is meant; that
 * acknowledgement is itself recorded in the new log, and every answer about who read a record
 * then says from when the log is complete.
 */
import { existsSync } from 'node:fs';
import type { AppConfig } from '../config/app-config';
import { ConfigError } from '../config/load-config';
import type { EventStore } from '../event-store/event-store';
import { STREAM_PREFIX } from '../journeys/journey-records';
import { AccessLog, SqliteAccessLog, accessLogFile, type AccessLogReset } from './access-log';

export const RESET_REASON =
  'started with ACCESS_LOG_RESET_ACKNOWLEDGED=true while the event store held journeys and no access log was found';

type Config = Pick<AppConfig, 'eventStore' | 'sqliteFile' | 'accessLogResetAcknowledged'>;

export async function openAccessLog(config: Config, store: EventStore, now: () => Date): Promise<AccessLog> {
  const file = accessLogFile(config);
  const missing = file !== ':memory:' && !existsSync(file);
  if (!missing || !(await holdsJourneys(store))) return new SqliteAccessLog(file);
  if (!config.accessLogResetAcknowledged) throw missingLogError(file);
  const log = new SqliteAccessLog(file);
  await log.recordReset(now(), RESET_REASON);
  return log;
}

async function holdsJourneys(store: EventStore): Promise<boolean> {
  return (await store.readAll({ streamPrefix: STREAM_PREFIX, maxCount: 1 })).length > 0;
}

function missingLogError(file: string): ConfigError {
  return new ConfigError([
    {
      variable: 'ACCESS_LOG_RESET_ACKNOWLEDGED',
      rule:
        `must be true to start: the access log ${file} is missing but the event store holds journeys, so the record of who ` +
        'read them would start empty as if no one had. Restore the file from a copy; or, if it is lost, start once with ' +
        'ACCESS_LOG_RESET_ACKNOWLEDGED=true: the reset is recorded and every person is told the log is complete only from then',
    },
  ]);
}

/** What an answer about who read a record says when the log was started over: complete only from the last reset. */
export function completeness(resets: readonly AccessLogReset[]): { completeFrom: string | null; notice?: string } {
  const last = resets[resets.length - 1];
  if (last === undefined) return { completeFrom: null };
  return { completeFrom: last.at, notice: `the log of who read this record is complete only from ${last.at}` };
}
