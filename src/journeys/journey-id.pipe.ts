import { Injectable, type PipeTransform } from '@nestjs/common';
import { validate as isUuid } from 'uuid';
import { InvalidInputError } from '../errors';

/** Journey ids are UUIDs (v4 when generated, v5 when derived from an Idempotency-Key). */
@Injectable()
export class JourneyIdPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (!isUuid(value)) {
      throw new InvalidInputError([{ field: 'id', rule: 'isUuid', message: 'id must be a journey UUID' }]);
    }
    return value.toLowerCase();
  }
}
