import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import type { EventDataMap, EventType } from '../../workflows';
import { fieldIssues, InvalidInputError } from '../errors';
import { EVENT_DATA_DTOS } from './dto/event-data.dto';

/**
 * Check a fact's `data` against the class for its event type, with the same rules as the global
 * ValidationPipe (unknown fields refused), reporting fields as `data.<path>`. Returns plain JSON:
 * the stored fact is exactly what was sent, never a class instance.
 */
export function validateEventData<K extends EventType>(type: K, data: unknown): EventDataMap[K] {
  const instance = plainToInstance(EVENT_DATA_DTOS[type], data);
  const errors = validateSync(instance, {
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    validationError: { target: false, value: false },
  });
  if (errors.length > 0) throw new InvalidInputError(fieldIssues(errors, 'data'));
  return JSON.parse(JSON.stringify(data)) as EventDataMap[K];
}
