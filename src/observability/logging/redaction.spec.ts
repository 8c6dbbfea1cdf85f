import pino from 'pino';
import { REDACTED, REDACTED_PATHS } from './redaction';

describe('log redaction', () => {
  const lines: string[] = [];
  const logger = pino(
    { level: 'trace', redact: { paths: [...REDACTED_PATHS], censor: REDACTED } },
    { write: (line: string) => lines.push(line) },
  );

  it('blanks out the person’s data and words wherever a log call puts an event or a request', () => {
    const event = {
      type: 'AssessmentCompleted',
      data: { personViews: 'I want to stay at home with Marmaduke' },
      metadata: { reason: 'Call with Mrs Quillfeather' },
    };
    logger.trace({ event }, 'an event');
    logger.debug(
      { req: { url: '/journeys?person=Quillfeather', headers: { authorization: 'Bearer abc.def.ghi' }, body: { personId: 'b0b5face' } } },
      'a request',
    );
    logger.info({ personId: 'b0b5face', summary: 'fell on Tuesday', type: 'ReferralReceived' }, 'top level');
    const logged = lines.join('\n');
    for (const secret of ['Marmaduke', 'Quillfeather', 'abc.def.ghi', 'b0b5face', 'fell on Tuesday']) {
      expect({ secret, found: logged.includes(secret) }).toEqual({ secret, found: false });
    }
    // What is not personal stays readable.
    expect(lines.map((line) => JSON.parse(line) as Record<string, unknown>)).toEqual([
      expect.objectContaining({ event: { type: 'AssessmentCompleted', data: REDACTED, metadata: REDACTED } }),
      expect.objectContaining({ req: { url: REDACTED, headers: { authorization: REDACTED }, body: REDACTED } }),
      expect.objectContaining({ personId: REDACTED, summary: REDACTED, type: 'ReferralReceived' }),
    ]);
  });
});
