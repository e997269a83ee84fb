/** Whether a LINE user has the bot as a friend (table line_friend): only friends can be pushed to. */
export interface LineFriendRepository {
  /** True or false as last seen (a follow or unfollow event, or LINE's answer); undefined when never seen. */
  following(userId: string): Promise<boolean | undefined>;
  set(userId: string, following: boolean): Promise<void>;
}

/**
 * The monthly message-quota warnings already given (table line_quota_warning: one row per month and threshold, claimed
 * before warning so that several instances or a restart never warn twice; adapters/line/quota.ts).
 */
export interface LineQuotaWarningRepository {
  /** Which of `thresholds` were claimed for `month` already. */
  claimed(month: string, thresholds: readonly number[]): Promise<number[]>;
  /** Claims these thresholds for `month` (skipping any claimed meanwhile); returns how many this call claimed. */
  claim(month: string, thresholds: readonly number[], reading: { used: number; quota: number }): Promise<number>;
  /** The warning was not given: releases the claims so that a later check tries again. */
  release(month: string, thresholds: readonly number[]): Promise<void>;
}
