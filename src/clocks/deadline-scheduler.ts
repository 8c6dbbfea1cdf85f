/**
 * Records `DeadlineMissed` when a clock passes. It sleeps until the earliest due time in the
 * deadlines read model (no polling of journeys), re-plans whenever the read model moves, and on
 * start-up catches every clock that fell due while the service was down.
 *
 * Each fact gets a deterministic event id from journey, clock and due time (through the
 * Idempotency-Key path), so two instances, or a restart half-way, never record it twice.
 *
 * A policy's late-entry grace (`clockTiming.lateEntryGraceHours`) holds back a clock that was
 * already overdue when its starting fact was recorded (a referral typed in 80 days late): the
 * read model's `mark_at`, and the check here against the stream, wait that long after the
 * recording, so the work already done can be entered before the engine calls it missed.
 */
import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { computeClocks, markableAt, type ClockInstance } from '../../workflows';
import type { Actor } from '../auth/actor';
import { backoffDelay } from '../common/backoff';
import { Clock } from '../common/clock';
import { TransitionRefusedError } from '../errors';
import { metadataOf, toMachineEvent } from '../journeys/journey-records';
import { JourneysService, type LoadedJourney } from '../journeys/journeys.service';
import type { OpenClockRow } from '../projections/deadlines.projection';
import { ReadModels } from '../projections/read-models.service';

export const SCHEDULER_ACTOR: Actor = { id: 'deadline-scheduler', role: 'system' };

/** setTimeout cannot wait longer than ~24.8 days; wake at least hourly and re-plan. */
const MAX_SLEEP_MS = 3_600_000;
const BATCH = 100;
/** A clock that could not be recorded waits this long before the next try, doubling to an hour. */
const HOLD_BACK_MS = 30_000;

@Injectable()
export class DeadlineScheduler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(DeadlineScheduler.name);
  private timer: NodeJS.Timeout | null = null;
  private ticking: Promise<number> = Promise.resolve(0);
  private stopped = false;
  /**
   * Due clocks the last try could not record (the workflow refused the fact, the store failed),
   * by journey, clock and due time: tried again after a pause, so that one of them can neither
   * spin the scheduler nor, a hundred of them, starve the clocks behind them.
   */
  private readonly heldBack = new Map<string, { until: number; failures: number }>();

  constructor(
    private readonly readModels: ReadModels,
    private readonly journeys: JourneysService,
    private readonly clock: Clock,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.readModels.onApplied(() => this.plan());
    try {
      await this.readModels.ready();
    } catch {
      // The read models retry on their own; their first applied batch re-plans this scheduler.
      return;
    }
    await this.tick();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.ticking;
  }

  /** Record every clock due by now; one tick at a time. Resolves to how many facts were recorded. */
  tick(): Promise<number> {
    this.ticking = this.ticking.then(() => this.recordDue());
    return this.ticking;
  }

  private async recordDue(): Promise<number> {
    if (this.stopped) return 0;
    const now = this.clock.now();
    let recorded = 0;
    for (const row of this.readyToRecord(now)) {
      if (await this.recordMissed(row, now)) recorded += 1;
    }
    this.plan();
    return recorded;
  }

  /** Check the clock against the stream itself (the read model may lag), then record the fact. */
  private async recordMissed(row: OpenClockRow, now: Date): Promise<boolean> {
    const journey = await this.journeys.load(row.journeyId);
    const stillDue = computeClocks(journey.definition.policy, journey.events.map(toMachineEvent)).some(
      (clock) =>
        clock.key === row.key &&
        clock.status === 'running' &&
        clock.dueAt === row.dueAt &&
        Date.parse(markableOn(journey, clock)) <= now.getTime(),
    );
    if (!stillDue) return false;
    try {
      const result = await this.journeys.record(
        row.journeyId,
        SCHEDULER_ACTOR,
        {
          type: 'DeadlineMissed',
          data: { clock: row.clock, dueAt: row.dueAt },
          occurredAt: row.dueAt,
          reason: `${row.label} was due at ${row.dueAt}`,
        },
        { idempotencyKey: `deadline-missed:${row.key}:${row.dueAt}` },
      );
      this.heldBack.delete(heldBackKey(row));
      if (!result.repeated) this.logger.warn(`journey ${row.journeyId}: clock ${row.clock} missed (due ${row.dueAt})`);
      return !result.repeated;
    } catch (error) {
      const pauseMs = this.holdBack(row, now);
      const why = error instanceof TransitionRefusedError ? 'the workflow refused it' : (error as Error).message;
      this.logger.error(
        `could not record missed clock ${row.clock} on journey ${row.journeyId} (${why}); trying again in ${pauseMs / 1000} s`,
      );
      return false;
    }
  }

  /** Due clocks not held back, at most a batch of them. */
  private readyToRecord(now: Date): OpenClockRow[] {
    return this.readModels
      .dueClocks(now, BATCH + this.heldBack.size)
      .filter((row) => (this.heldBack.get(heldBackKey(row))?.until ?? 0) <= now.getTime())
      .slice(0, BATCH);
  }

  private holdBack(row: OpenClockRow, now: Date): number {
    const failures = (this.heldBack.get(heldBackKey(row))?.failures ?? 0) + 1;
    const pauseMs = backoffDelay({ initialMs: HOLD_BACK_MS, maxMs: MAX_SLEEP_MS }, failures);
    this.heldBack.set(heldBackKey(row), { until: now.getTime() + pauseMs, failures });
    return pauseMs;
  }

  /** When to wake: now if a due clock is ready; else the first held-back retry or the next clock to fall due. */
  private nextWake(now: Date): number | null {
    if (this.readyToRecord(now).length > 0) return now.getTime();
    const retries = [...this.heldBack.values()].map((held) => held.until);
    const nextDue = this.readModels.nextDue(now);
    const candidates = nextDue === null ? retries : [...retries, Date.parse(nextDue)];
    return candidates.length === 0 ? null : Math.min(...candidates);
  }

  /** Sleep until the earliest running clock falls due. */
  private plan(): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const now = this.clock.now();
    const next = this.readModels.nextDue();
    if (next === null) return;
    // Only when something is already due can a held-back clock be the reason to wake.
    const wake = Date.parse(next) <= now.getTime() && this.heldBack.size > 0 ? this.nextWake(now) : Date.parse(next);
    if (wake === null) return;
    const delay = Math.min(Math.max(wake - now.getTime(), 0), MAX_SLEEP_MS);
    this.timer = setTimeout(() => void this.tick(), delay);
    this.timer.unref();
  }
}

/** When the clock may be recorded missed, from the `recordedAt` of the fact that started it. */
function markableOn(journey: LoadedJourney, clock: ClockInstance): string {
  const starter = journey.events.find((event) => event.revision === clock.startedAtRevision);
  return markableAt(journey.definition.policy, clock, starter ? metadataOf(starter).recordedAt : undefined);
}

function heldBackKey(row: OpenClockRow): string {
  return `${row.journeyId} ${row.key} ${row.dueAt}`;
}
