/**
 * Traces, from the service to an OTLP/HTTP receiver in this process: one command's spans arrive
 * as a server span named by its route template (a child of the caller's traceparent) with the
 * store's spans beneath it, the correlation id as an attribute, and no personal data anywhere.
 *
 * The service runs as production runs it, a separate process on the built main.js: the OTLP
 * exporter loads its HTTP client with a dynamic import(), which jest's module sandbox refuses.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { prepareApp, startService, type ServiceProcess } from '../../scripts/bench/support/server-process';
import { signToken } from '../../src/auth/tokens';
import { fact } from '../../workflows/testing/facts';
import { OtlpReceiver, type ReceivedSpan } from './otlp-receiver';

const AUTH_SECRET = 'tracing-test-secret-that-is-long-enough-0123';
const CALLER_TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const CALLER_SPAN_ID = '00f067aa0ba902b7';
const PERSON_ID = 'c0ffee00-7e57-4d1a-9c3e-5a17ed0dd0d0';
const SUMMARY = 'Mrs Tracewell-Ostrander cannot manage the stairs';
const SPAN_KIND_SERVER = 2;

describe('traces of a command', () => {
  const receiver = new OtlpReceiver();
  const dir = mkdtempSync(join(tmpdir(), 'spe-tracing-'));
  let service: ServiceProcess | undefined;
  let output = '';
  let command: ReceivedSpan | undefined;
  let trace: ReceivedSpan[] = [];

  beforeAll(async () => {
    const endpoint = await receiver.start();
    service = await startService({
      app: prepareApp(),
      sqliteFile: join(dir, 'events.db'),
      authSecret: AUTH_SECRET,
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: endpoint },
    });
    const http = request(`http://127.0.0.1:${service.port}`);
    const caseWorker = `Bearer ${await signToken(AUTH_SECRET, { sub: 'case-worker-1', role: 'case-worker', organisation: 'council-a' })}`;
    const opened = await http
      .post('/journeys')
      .set('Authorization', caseWorker)
      .send({ data: { ...fact('ReferralReceived').data, personId: PERSON_ID, summary: SUMMARY }, reason: SUMMARY })
      .expect(201);
    await http
      .post(`/journeys/${opened.body.id as string}/events`)
      .set('Authorization', caseWorker)
      .set('X-Correlation-Id', 'trace-me-1')
      .set('traceparent', `00-${CALLER_TRACE_ID}-${CALLER_SPAN_ID}-01`)
      .send({ type: 'AssessmentStarted', data: fact('AssessmentStarted').data, reason: SUMMARY })
      .expect(201);
    // A graceful stop (SIGTERM) flushes the spans still buffered to the receiver.
    await service.stop();
    output = service.output();
    command = receiver.spans.find((span) => span.name === 'POST /journeys/:id/events');
    trace = receiver.spans.filter((span) => span.traceId === CALLER_TRACE_ID);
  }, 240_000);
  afterAll(async () => {
    await service?.kill();
    await receiver.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('sends a server span per request, named by its route template, continuing the caller’s trace', () => {
    expect(receiver.spans.map((span) => span.name)).toEqual(expect.arrayContaining(['POST /journeys', 'POST /journeys/:id/events']));
    expect(command).toMatchObject({
      traceId: CALLER_TRACE_ID,
      parentSpanId: CALLER_SPAN_ID,
      kind: SPAN_KIND_SERVER,
      attributes: expect.objectContaining({
        'correlation.id': 'trace-me-1',
        'http.route': '/journeys/:id/events',
        'http.request.method': 'POST',
        'http.response.status_code': 201,
      }),
    });
  });

  it('puts the store’s read and append beneath the command’s span, in its trace', () => {
    const below = (span: ReceivedSpan): boolean => {
      const parent = trace.find((candidate) => candidate.spanId === span.parentSpanId);
      return parent !== undefined && (parent.spanId === command?.spanId || below(parent));
    };
    const storeSpans = trace.filter((span) => span.name.startsWith('event-store '));
    expect(storeSpans.map((span) => span.name)).toEqual(expect.arrayContaining(['event-store readStream', 'event-store append']));
    expect(storeSpans.filter((span) => !below(span))).toEqual([]);
    expect(storeSpans.find((span) => span.name === 'event-store append')?.attributes).toEqual({ 'event_store.events': 1 });
  });

  it('carries no personal data in any span name or attribute', () => {
    const shown = JSON.stringify(receiver.spans.map((span) => [span.name, span.attributes, span.status]));
    expect(receiver.spans.length).toBeGreaterThanOrEqual(4);
    for (const secret of [PERSON_ID, SUMMARY, 'Tracewell'])
      expect({ secret, found: shown.includes(secret) }).toEqual({ secret, found: false });
  });

  it('writes its logs as JSON lines, the command’s line with its correlation id', () => {
    const lines = output
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines).toContainEqual(expect.objectContaining({ correlationId: 'trace-me-1', route: '/journeys/:id/events', status: 201 }));
    for (const secret of [PERSON_ID, 'Tracewell']) expect({ secret, found: output.includes(secret) }).toEqual({ secret, found: false });
  });
});
