import { ArgumentMetadata } from '@nestjs/common';
import { Type } from 'class-transformer';
import { IsInt, IsString, Min, ValidateNested, IsArray } from 'class-validator';
import { InvalidInputError } from './domain-errors';
import { createValidationPipe } from './validation';

class SupportDto {
  @IsString()
  description!: string;

  @IsInt()
  @Min(0)
  costPence!: number;
}

class PlanDataDto {
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => SupportDto)
  supports!: SupportDto[];
}

class PlanDraftedDto {
  @ValidateNested()
  @Type(() => PlanDataDto)
  data!: PlanDataDto;
}

const asBody: ArgumentMetadata = { type: 'body', metatype: PlanDraftedDto };

async function refusal(body: unknown): Promise<InvalidInputError> {
  const outcome = await createValidationPipe()
    .transform(body, asBody)
    .then(
      () => undefined,
      (error: unknown) => error,
    );
  if (!(outcome instanceof InvalidInputError)) throw new Error(`expected InvalidInputError, got ${String(outcome)}`);
  return outcome;
}

describe('createValidationPipe', () => {
  it('turns a valid body into the DTO', async () => {
    const dto = await createValidationPipe().transform({ data: { supports: [{ description: 'PA hours', costPence: 1200 }] } }, asBody);
    expect(dto).toBeInstanceOf(PlanDraftedDto);
    expect((dto as PlanDraftedDto).data.supports[0]).toBeInstanceOf(SupportDto);
  });

  it('names each bad field by its full path and the rule it breaks', async () => {
    const error = await refusal({ data: { supports: [{ description: 'PA hours', costPence: 12.5 }, { costPence: -1 }] } });
    expect(error.details).toEqual([
      { field: 'data.supports.0.costPence', rule: 'isInt', message: 'data.supports.0.costPence must be an integer number' },
      { field: 'data.supports.1.description', rule: 'isString', message: 'data.supports.1.description must be a string' },
      { field: 'data.supports.1.costPence', rule: 'min', message: 'data.supports.1.costPence must not be less than 0' },
    ]);
  });

  it('refuses unknown properties, nested ones too', async () => {
    const error = await refusal({ actor: 'mallory', data: { supports: [], note: 'x' } });
    expect(error.details).toEqual([
      { field: 'actor', rule: 'whitelistValidation', message: 'property actor should not exist' },
      { field: 'data.note', rule: 'whitelistValidation', message: 'property data.note should not exist' },
    ]);
  });

  it('never copies submitted values into the error', async () => {
    const error = await refusal({ data: { supports: [{ description: 'Jane Doe, NHS 943 476 5919', costPence: 'lots' }] } });
    expect(JSON.stringify(error.details)).not.toContain('943 476');
    expect(error.details.map((d) => `${d.field} ${d.rule}`).sort()).toEqual([
      'data.supports.0.costPence isInt',
      'data.supports.0.costPence min',
    ]);
  });
});
