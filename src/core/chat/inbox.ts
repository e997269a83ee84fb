import type { InboxOptions, InboxRow, InboxStore, PlatformInbox, ReceivedEvent } from '../../ports/inbox.js';
import type { Logger } from '../../ports/logger.js';
import type { FieldCipher } from '../privacy/cipher.js';

/**
 * One platform's inbox (acknowledge → store → process → sweep), on the one table inbound_event (src/storage/inbox.ts).
 * Bodies are encrypted and bound to their row (aad inbound-event:<platform>:<event id>) until processed, then dropped.
 *
 * Claimed mode (Slack, Discord): the instance that stores an event processes it at once; an event still "processing"
 * `staleMs` after its claim belongs to a process that stopped, and the next sweep (on any instance) takes it over.
 * Ordered mode (LINE): events are stored as pending and drained by one worker per instance in arrival order, never two
 * of one conversation at once across instances; a claim gone stale goes back to pending. In both, an event is given
 * up after `MAX_ATTEMPTS` takes, and finished rows are forgotten after a day (platform retries come within minutes).
 * A failure is not retried: the person was told to try again, and a half-done operation must not run twice.
 */
const STALE_MS = 2 * 60_000;
const SWEEP_MS = 60_000;
const FORGET_AFTER_MS = 86_400_000;
const MAX_ATTEMPTS = 3;
const BATCH = 50;

export class Inbox<B> implements PlatformInbox<B> {
  private readonly ordered: boolean;
  private readonly working = new Set<Promise<unknown>>();
  private draining: Promise<void> | null = null;
  private again = false;
  private held = false;
  private closed = false;
  private kickPending: NodeJS.Immediate | null = null;
  private sweeper: NodeJS.Timeout | null = null;

  constructor(
    private readonly store: InboxStore,
    private readonly cipher: FieldCipher,
    private readonly log: Logger,
    private readonly opts: InboxOptions<B>,
  ) {
    this.ordered = opts.mode === 'ordered';
  }

  private get platform(): string {
    return this.opts.platform;
  }

  private aad(eventId: string): string {
    return `inbound-event:${this.platform}:${eventId}`;
  }

  async receive(events: ReceivedEvent<B>[]): Promise<string[]> {
    const rows = events.map((e) => ({
      eventId: e.eventId,
      bodyEnc: this.cipher.encrypt(JSON.stringify(e.body), this.aad(e.eventId)),
      conversation: e.conversation ?? null,
    }));
    return this.store.insert(this.platform, rows, this.ordered ? 'pending' : 'processing');
  }

  async process(eventId: string, body: B): Promise<void> {
    try {
      await this.opts.process(body, eventId);
    } catch (err) {
      await this.store.finish(this.platform, eventId, `${(err as Error).name}: ${(err as Error).message}`).catch(() => undefined);
      throw err;
    }
    await this.store.finish(this.platform, eventId);
  }

  kick(): void {
    if (!this.ordered || this.kickPending) return;
    // Processing starts once the acknowledgement is on its way: with the embedded database the work runs on this
    // thread and would otherwise hold the response back.
    this.kickPending = setImmediate(() => {
      this.kickPending = null;
      this.drainNow();
    });
  }

  async sweep(): Promise<void> {
    if (this.closed) return;
    const now = Date.now();
    await this.store.forget(this.platform, new Date(now - FORGET_AFTER_MS));
    for (const row of await this.store.stale(this.platform, new Date(now - STALE_MS), 100)) {
      if (this.closed || this.held) break;
      if (row.attempts >= MAX_ATTEMPTS || !row.bodyEnc) {
        await this.store.finish(this.platform, row.eventId, `given up after ${row.attempts} attempts`);
        this.log.error(
          { platform: this.platform, eventId: row.eventId, attempts: row.attempts },
          'inbound event given up: it failed or was interrupted too often',
        );
        continue;
      }
      if (this.ordered) {
        await this.store.retake(this.platform, row, 'pending');
        continue;
      }
      if (!(await this.store.retake(this.platform, row, 'processing'))) continue; // another instance took it
      const event = { eventId: row.eventId, body: this.decrypt(row), attempts: row.attempts + 1 };
      const run = () => this.process(event.eventId, event.body);
      await (this.opts.resume ? this.opts.resume(event, run) : run()).catch((err: unknown) =>
        this.log.error(
          { platform: this.platform, eventId: row.eventId, err: { type: (err as Error).name, message: (err as Error).message } },
          'inbound event failed',
        ),
      );
    }
    if (this.ordered) this.drainNow();
    await this.opts.sweep?.();
  }

  async start(): Promise<void> {
    const sweep = () =>
      this.track(
        this.sweep().catch((err: unknown) =>
          this.log.error(
            { platform: this.platform, err: { type: (err as Error).name, message: (err as Error).message } },
            'inbound events could not be swept',
          ),
        ),
      );
    sweep();
    this.sweeper ??= setInterval(sweep, SWEEP_MS).unref();
  }

  hold(): void {
    this.held = true;
  }

  async stop(): Promise<void> {
    this.closed = true;
    if (this.sweeper) clearInterval(this.sweeper);
    this.sweeper = null;
    await this.idle();
  }

  async idle(): Promise<void> {
    while (this.kickPending || this.draining || this.working.size > 0) {
      if (this.draining) await this.draining;
      else if (this.working.size > 0) await Promise.allSettled([...this.working]);
      else await new Promise((r) => setImmediate(r));
    }
  }

  // ------------------------------------------------------------------ ordered mode

  private drainNow(): void {
    if (this.closed || this.held) return;
    if (this.draining) {
      this.again = true;
      return;
    }
    this.draining = this.drain()
      .catch((err) =>
        this.log.error(
          { platform: this.platform, err: { type: (err as Error).name, message: (err as Error).message } },
          'inbound event processing stopped',
        ),
      )
      .finally(() => {
        this.draining = null;
      });
  }

  private async drain(): Promise<void> {
    do {
      this.again = false;
      let took = 0;
      const ids = await this.store.pending(this.platform, BATCH);
      for (const id of ids) {
        if (this.closed || this.held) return;
        if (await this.processPending(id)) took += 1;
        // Let the event loop turn between events: with the embedded database a query resolves without real I/O, so a
        // drain of hundreds of events would otherwise run as one chain of promises and hold every other request
        // (the webhook's own answer, the console, health checks) until it is done (attack round 1: 400 events held
        // the server for a minute).
        await new Promise((r) => setImmediate(r));
      }
      // A full batch, or rows taken (a row skipped because an earlier one of its conversation was busy elsewhere is
      // looked at again once that one is done): look again.
      if (ids.length === BATCH || (took > 0 && took < ids.length)) this.again = true;
    } while (this.again && !this.closed && !this.held);
  }

  private async processPending(eventId: string): Promise<boolean> {
    const row = await this.store.claimPending(this.platform, eventId);
    if (!row) return false; // another instance took it, or an earlier event of its conversation is not done yet
    const started = performance.now();
    try {
      if (!row.bodyEnc) throw new Error('stored event has no body');
      await this.opts.process(this.decrypt(row), eventId);
      await this.store.finish(this.platform, eventId);
      this.log.debug({ platform: this.platform, eventId, ms: Math.round(performance.now() - started) }, 'inbound event processed');
    } catch (err) {
      this.log.error(
        { platform: this.platform, eventId, err: { type: (err as Error).name, message: (err as Error).message } },
        'inbound event failed',
      );
      await this.store.finish(this.platform, eventId, `${(err as Error).name}: ${(err as Error).message}`).catch(() => undefined);
    }
    return true;
  }

  // ------------------------------------------------------------------ helpers

  private decrypt(row: InboxRow): B {
    return JSON.parse(this.cipher.decrypt(row.bodyEnc!, row.bodyAad ?? this.aad(row.eventId))) as B;
  }

  private track(p: Promise<unknown>): void {
    this.working.add(p);
    void p.finally(() => this.working.delete(p));
  }
}
