import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { InvalidInputError } from '../../errors/domain-errors';
import { withSpan } from './with-span';

describe('withSpan', () => {
  const exporter = new InMemorySpanExporter();
  const contextManager = new AsyncLocalStorageContextManager();

  beforeAll(() => {
    context.setGlobalContextManager(contextManager.enable());
    trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }));
  });
  afterAll(() => {
    trace.disable();
    context.disable();
  });
  beforeEach(() => exporter.reset());

  const spans = () => exporter.getFinishedSpans();
  const parentOf = (name: string) => spans().find((span) => span.name === name)?.parentSpanContext?.spanId;
  const idOf = (name: string) =>
    spans()
      .find((span) => span.name === name)
      ?.spanContext().spanId;

  it('nests load, decide and append under the command, across awaits, and keeps sync work sync', async () => {
    const decision = await withSpan('command', async () => {
      await withSpan('load', async () => new Promise((resolve) => setImmediate(resolve)));
      const decided = withSpan('decide', () => 'allowed');
      await withSpan('append', async () => undefined);
      return decided;
    });
    expect(decision).toBe('allowed');
    expect(spans().map((span) => span.name)).toEqual(['load', 'decide', 'append', 'command']);
    for (const child of ['load', 'decide', 'append']) expect(parentOf(child)).toBe(idOf('command'));
  });

  it('marks a failed span with the error’s code, never its message, and rethrows', async () => {
    const failing = new InvalidInputError([{ field: 'data.summary', rule: 'isString', message: 'Mrs Smith is not a string' }]);
    await expect(withSpan('decide', async () => Promise.reject(failing))).rejects.toBe(failing);
    expect(() =>
      withSpan('decide', () => {
        throw failing;
      }),
    ).toThrow(failing);
    expect(spans().map((span) => span.status)).toEqual([
      { code: 2, message: 'REQUEST.INVALID_INPUT' },
      { code: 2, message: 'REQUEST.INVALID_INPUT' },
    ]);
  });
});
