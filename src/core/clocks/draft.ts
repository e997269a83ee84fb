import type { ComputedClock } from './engine.js';

/**
 * legal-rules §1 pdpa2025-report-72h: the amended PDPA's draft 72-hour report is off by default, but its thresholds
 * are evaluated and shown even while it is off. One line per such clock (a clock switched on is shown as a clock):
 * 「修法草案（未施行）：門檻已達（受影響個資達100筆以上（本案：320筆））…」, or that no threshold is met.
 * Empty when no switched-off clock has thresholds.
 */
export function draftThresholdLines(clocks: readonly ComputedClock[]): string[] {
  return clocks
    .filter((c) => c.thresholds && !c.enabled)
    .map((c) => {
      const t = c.thresholds!;
      const met = t.reasons.filter((r) => r.includes('：符合')).map((r) => r.replace('：符合', ''));
      const law = c.legalStatus === 'in-force' ? '' : '修法草案（未施行）：';
      return met.length
        ? `${law}門檻已達（${met.join('；')}），施行後須${c.label.replace(/（修法草案）$/, '')}；本校目前未啟用此期限`
        : `${law}「${c.label}」門檻未達（${t.reasons.join('；')}）`;
    });
}
