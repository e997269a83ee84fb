import type { messagingApi } from '@line/bot-sdk';
import type { Logger } from '../../src/ports/logger.js';
import type { LineQuotaWarningRepository } from '../../src/ports/repositories/index.js';

/**
 * The LINE Official Account's monthly message quota. Replies are free; pushes (reminders, the response group's copy
 * of a new incident, the principal's review request) count. After pushes — at most every `checkEveryMs`, and once at
 * start-up — the adapter reads the target limit and this month's consumption; when the consumption passes one of
 * the thresholds the contact windows are warned, once per month and threshold (a row in line_quota_warning is
 * claimed first, so several instances or a restart never warn twice). LINE counts months in Japan time.
 */
export interface QuotaOptions {
  /** Percentages, ascending (e.g. [80, 95]). */
  warnAt: number[];
  checkEveryMs: number;
}

export interface QuotaReading {
  month: string;
  quota: number | null;
  used: number;
  percent: number | null;
  /** The threshold this reading warned about (null: none newly passed). */
  warned: number | null;
}

/** zh-TW, neutral: what happens when the quota runs out and what to do. */
export function quotaWarningText(percent: number, used: number, quota: number): string {
  return [
    `【LINE 訊息額度提醒】本校 LINE 官方帳號本月的推播訊息已用 ${percent}%（${used}／${quota} 則）。`,
    '額度用完後，期限提醒、核定通知等推播訊息將無法送達（在群組或私訊中直接回覆不受影響）。',
    '請儘速請帳號管理者在 LINE Official Account Manager 調整方案或加購訊息；在此之前請以其他方式留意各項法定期限。',
  ].join('\n');
}

/** The month LINE counts consumption in (Japan time, UTC+9), as YYYY-MM. */
export function quotaMonth(now: Date): string {
  return new Date(now.getTime() + 9 * 3600_000).toISOString().slice(0, 7);
}

export class LineQuotaWatch {
  private lastCheck = 0;
  private running: Promise<QuotaReading | null> | null = null;

  constructor(
    private readonly client: messagingApi.MessagingApiClient,
    private readonly warnings: LineQuotaWarningRepository,
    private readonly log: Logger,
    private readonly opts: QuotaOptions,
    /** Tells the contact windows (through the core); `key` makes a retried warning idempotent. */
    private readonly warn: (text: string, key: string) => Promise<unknown>,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Called after a push: checks in the background when the last check is old enough. Never throws. */
  afterPush(): void {
    if (this.opts.warnAt.length === 0) return;
    if (this.running || Date.now() - this.lastCheck < this.opts.checkEveryMs) return;
    void this.check();
  }

  /** Resolves when a background check has finished (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  /** Reads quota and consumption and warns when a threshold was newly passed. Errors are logged, never thrown. */
  check(): Promise<QuotaReading | null> {
    if (this.running) return this.running;
    this.lastCheck = Date.now();
    this.running = this.read()
      .catch((err) => {
        this.log.warn({ err: { type: (err as Error).name, message: (err as Error).message } }, 'LINE quota could not be read');
        return null;
      })
      .finally(() => {
        this.running = null;
      });
    return this.running;
  }

  private async read(): Promise<QuotaReading> {
    const month = quotaMonth(this.now());
    const [quota, consumption] = await Promise.all([this.client.getMessageQuota(), this.client.getMessageQuotaConsumption()]);
    const used = consumption.totalUsage;
    if (quota.type !== 'limited' || !quota.value) return { month, quota: null, used, percent: null, warned: null };
    const percent = Math.floor((used / quota.value) * 100);
    const passed = this.opts.warnAt.filter((t) => percent >= t);
    let warned: number | null = null;
    if (passed.length > 0) {
      // Claim every passed threshold; warn once, about the highest newly passed (80 and 95 at once → one warning).
      const before = await this.warnings.claimed(month, passed);
      const fresh = passed.filter((t) => !before.includes(t));
      if (fresh.length > 0) {
        const claimed = await this.warnings.claim(month, fresh, { used, quota: quota.value });
        if (claimed > 0) {
          warned = Math.max(...fresh);
          this.log.warn(
            { month, used, quota: quota.value, percent, threshold: warned },
            'LINE monthly message quota threshold passed; warning the contact windows',
          );
          try {
            await this.warn(quotaWarningText(percent, used, quota.value), `line-quota:${month}:${warned}`);
          } catch (err) {
            // Not told: release the claim so that a later check tries again (the retry keys keep it to one message).
            await this.warnings.release(month, fresh).catch(() => undefined);
            throw err;
          }
        }
      }
    }
    return { month, quota: quota.value, used, percent, warned };
  }
}
