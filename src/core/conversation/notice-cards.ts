import type { Button, Card, CardRow, Form, Tone } from '../../ports/chat-model.js';
import { CHANNEL_LABELS, CHANNELS, channelFromWord, PUBLIC_REASON_HELP, PUBLIC_RULE } from '../notices/channels.js';
import { NOT_APPROVER, OWN_NOTICE } from '../notices/service.js';
import { NOTICE_STATUS_LABELS, type DeliveryInput, type NoticeView } from '../notices/views.js';
import { formatRocDateTime } from '../time/roc.js';
import { formIds, noticeAct } from './actions.js';

/** The notices' chat texts, commands and cards (notice-flow.ts and notice-review.ts drive them). */

export const NT = {
  notApprover: NOT_APPROVER,
  ownNotice: OWN_NOTICE,
  notAllowed: '您沒有查看這個事件通知稿的權限。',
  onlyPrivately: '為保護當事人，通知稿只在應變小組群組或私訊中顯示。我已私訊給您。',
  noDirect: (how: string) => `為保護當事人，通知稿只在應變小組群組或私訊中顯示，但小幫手無法私訊您。請先${how}，再私訊小幫手查看。`,
  refNeeded: '請加上事件編號，例如「通知 115-001」。',
  refUnknown: (ref: string) => `找不到事件 ${ref}。輸入「事件」可查看進行中的事件。`,
  askText: (label: string, max: number) =>
    `請輸入「${label}」通知的完整新內容（${max} 字以內），會取代目前的內容。請勿貼上外洩的個資。輸入「取消」可放棄。`,
  askComment: '請寫下退回的修改意見（必填），撰稿人會收到：',
  askBatch: [
    '請輸入這一批的通知方式與人數，格式：「方式 已通知人數/應通知人數」，例如「書面 30/32」。',
    '方式可用：言詞（當面）、書面、電話、簡訊、電子郵件、傳真、電子文件、其他（後面寫明方式）；' +
      `個別通知需費過鉅時才用「公開」（網際網路、新聞媒體等，後面寫原因；${PUBLIC_RULE}）。不要輸入收件人的姓名或聯絡方式。`,
  ].join('\n'),
  /** A delivery form sent again, or after the notice changed (chat's form names the version and batches it was sent on). */
  batchFormUsed:
    '這個登記表單開啟後，這份通知已登記了通知紀錄或有了變更（同一表單送出兩次也是如此），這次沒有登記，以免重複計算人數。要登記下一批時，請再按「登記通知紀錄」。',
  batchUnreadable: '看不懂這個格式，請輸入例如「書面 30/32」或「公開 120/120 家長聯絡方式不明，逐一通知需費過鉅」。',
  submitted: (label: string, n: number) => `已將「${label}」通知稿送管理人（校長）核定（${n} 位）。核定後才能開始通知。`,
  submittedToActing: (label: string, n: number, why: string) =>
    `已將「${label}」通知稿送代理人核定（${n} 位；${why}）。核定後才能開始通知。`,
  actingWhy: {
    drafted: '撰稿的管理人不能核定自己的稿件',
    unreachable: '沒有可以聯絡的管理人',
    away: '管理人不在時由代理人核定',
  },
  noActing: '學校名冊沒有可以聯絡的代理人（撰稿人除外）。請在名冊為副校長或校長指定的人加上角色「代理人」，匯入名冊並完成帳號綁定後再試。',
  notSubmitted: '這份通知稿目前不是「待核定」，請先按「送校長核定」。',
  noPrincipal: '找不到可以核定的管理人（校長）帳號（撰稿人不能核定自己的稿件）。請洽系統管理者設定管理人或代理人。',
  /** The principal drafted and the roster names no acting approver who can be reached: what to do, step by step. */
  principalDrafted: [
    '找不到可以核定的管理人：這份通知稿由您撰寫或修改過，不能由您自己核定，學校名冊也還沒有可以聯絡的代理人。',
    '請這樣做：在學校人員名冊為副校長或您指定的人加上角色「代理人」（roles 加上 代理人），',
    '請系統管理者匯入名冊（npm run people -- import 名冊檔），再用「產生綁定碼 姓名」讓代理人綁定帳號，然後再按一次「送校長核定」。',
  ].join(''),
  reviewRequest: (ref: string, label: string, who: string) => `${who} 送來事件 ${ref} 的「${label}」通知稿，請核定或退回修改。`,
  approved: (label: string, who: string) => `「${label}」通知稿已由 ${who} 核定，可以開始通知當事人，並在通知稿上登記每一批的通知紀錄。`,
  returned: (label: string, who: string, comment: string) => `「${label}」通知稿被 ${who} 退回修改。\n意見：${comment}`,
  delivered: (label: string, n: number, m: number) => `已登記「${label}」的通知紀錄：累計已通知 ${n} / ${m} 人。`,
  allRecorded: (title: string, counts: string) =>
    `每一份核定的通知都已登記通知紀錄：\n${counts}\n確認應通知的人都已通知到後，請勾選檢核項目「${title}」（會停止它的時限提醒）。`,
  notAllReached: (counts: string, unreached: number) =>
    `通知紀錄：\n${counts}\n尚有 ${unreached} 人未通知到。以其他方式通知到他們後，請再按「登記通知紀錄」登記這一批補通知（應通知人數填這一批要通知的人數，不會重複計入總數）；全部通知到後才能勾選完成。`,
  revised: (v: number) => `已儲存為第${v}版。修改完成後請按「送校長核定」。`,
};

/** 「通知」「通知 115-001」「/notices 115-001」. */
export function parseNoticeCommand(text: string): { arg?: string } | null {
  const m = /^(?:@\S+\s+)?(\/notices?|通知|通知當事人|通知稿)(?:\s+(\S+))?$/i.exec(text.normalize('NFKC').trim());
  if (!m) return null;
  return m[2] ? { arg: m[2] } : {};
}

/** Parses the typed fallback of a delivery batch: 「書面 30/32」, 「公告 120/120 原因…」. */
export function parseBatchLine(text: string): DeliveryInput | null {
  const m = /^(\S+)\s+(\d+)\s*[/／]\s*(\d+)(?:\s+(.+))?$/s.exec(text.normalize('NFKC').trim());
  if (!m) return null;
  const channel = channelFromWord(m[1]!);
  if (!channel) return null;
  const rest = m[4]?.trim() ?? null;
  return {
    channel,
    notified: Number(m[2]),
    total: Number(m[3]),
    ...(channel === 'public' ? { publicReason: rest } : { note: rest }),
  };
}

/**
 * The form of one delivery batch (登記通知紀錄): chat's form (asked step by step where the platform has no forms), and the
 * fields of the console's form under an approved notice (src/web/console/delivery.ts). Counts only: no names or contacts.
 */
export function deliveryForm(view: NoticeView): Form {
  return {
    type: 'form',
    formId: formIds.noticeDelivery(view.notice.id, { version: view.version, batches: view.batches.length }),
    title: `登記通知紀錄｜${view.audienceLabel}｜${view.incident.ref}`,
    intro:
      '每一批通知登記一次：方式與人數（個人資料保護法施行細則第22條：言詞、書面、電話、簡訊、電子郵件、傳真、電子文件或其他足以使當事人知悉的方式）。只記人數，不要填收件人的姓名或聯絡方式。',
    fields: [
      {
        id: 'channel',
        label: '通知方式',
        type: 'select',
        required: true,
        options: CHANNELS.map((c) => ({ value: c, label: CHANNEL_LABELS[c] })),
      },
      {
        id: 'total',
        label: '這一批應通知人數',
        type: 'number',
        required: true,
        help: '補通知先前未通知到的人時，填這一批要通知的人數（不會重複計入總數）',
      },
      { id: 'notified', label: '已通知到的人數', type: 'number', required: true },
      { id: 'publicReason', label: '以公開方式通知的原因', type: 'text', required: false, maxLength: 300, help: PUBLIC_REASON_HELP },
      { id: 'note', label: '備註', type: 'text', required: false, maxLength: 300, help: '選「其他」時必填：用什麼方式讓當事人知悉' },
    ],
    submitLabel: '登記',
    fallbackText: `登記通知紀錄｜${view.audienceLabel}`,
  };
}

/** The answers of the delivery form as the service takes them (a blank or unreadable count is NaN: refused there). */
export function deliveryInput(values: Record<string, string | string[] | undefined>): DeliveryInput {
  const one = (k: string) => {
    const v = values[k];
    return Array.isArray(v) ? v.join('、') : (v ?? '');
  };
  const num = (k: string) => (one(k).trim() === '' ? NaN : Number(one(k).normalize('NFKC').trim()));
  return { channel: one('channel'), total: num('total'), notified: num('notified'), publicReason: one('publicReason'), note: one('note') };
}

const STATUS_TONE: Record<NoticeView['status'], Tone> = { draft: 'info', submitted: 'warning', returned: 'danger', approved: 'success' };

/** The drafter's card: the whole text, the principal's last word, the deliveries, and what can be done next. */
export function noticeCard(v: NoticeView): Card {
  const last = v.reviews[v.reviews.length - 1];
  const sections: Card['sections'] = [{ heading: '通知內容', text: v.text }];
  if (v.status === 'returned' && last?.comment) {
    sections.push({ heading: '管理人退回意見', text: `${last.reviewerName}（第${last.row.version}版）：${last.comment}` });
  }
  if (v.status === 'approved' && v.notice.approvedAt) {
    sections.push({
      fields: [{ label: '核定', value: `${last?.reviewerName ?? ''}，${formatRocDateTime(v.notice.approvedAt)}`, tone: 'success' }],
    });
  }
  if (v.batches.length) {
    sections.push({
      heading: `通知紀錄：已通知 ${v.notified} / ${v.total} 人`,
      rows: v.batches.map(
        (b): CardRow => ({
          text: `${CHANNEL_LABELS[b.channel]}：${b.row.recipientsNotified} / ${b.row.recipientsTotal} 人`,
          detail: [
            `${b.recordedByName} 登記於 ${formatRocDateTime(b.row.createdAt)}`,
            b.publicReason ? `公告原因：${b.publicReason}` : '',
            b.note ? `備註：${b.note}` : '',
          ]
            .filter(Boolean)
            .join('\n'),
          status: b.row.recipientsNotified === b.row.recipientsTotal ? 'done' : 'open',
        }),
      ),
    });
  }
  const buttons: Button[] = [];
  if (v.status === 'draft' || v.status === 'returned') {
    buttons.push({ label: '修改內容', action: noticeAct.edit(v.notice.id) });
    buttons.push({ label: '送校長核定', action: noticeAct.submit(v.notice.id), style: 'primary' });
  } else if (v.status === 'submitted') {
    buttons.push({ label: '修改內容', action: noticeAct.edit(v.notice.id) });
    // The principal is away: the roster's acting approver (代理人) decides instead.
    buttons.push({ label: '改送代理人核定', action: noticeAct.toActing(v.notice.id) });
  } else {
    buttons.push({ label: '登記通知紀錄', action: noticeAct.delivery(v.notice.id), style: 'primary' });
  }
  return {
    type: 'card',
    key: `notice:${v.notice.id}`,
    title: `通知稿｜${v.audienceLabel}｜${v.incident.ref}`,
    subtitle: `第${v.version}版｜${NOTICE_STATUS_LABELS[v.status]}｜撰稿：${v.authorName}`,
    tone: STATUS_TONE[v.status],
    sections,
    buttons,
    footer:
      '依個人資料保護法第12條、施行細則第22條：說明事實與已採取措施、建議處理方式、查詢窗口及賠償（如適用）。須經管理人（校長）核定後才能通知。',
    fallbackText: `通知稿｜${v.audienceLabel}｜${v.incident.ref}（第${v.version}版，${NOTICE_STATUS_LABELS[v.status]}）`,
  };
}

/** The principal's card: a readable preview and the decision; once decided, the outcome replaces the buttons. */
export function reviewCard(v: NoticeView, version: number): Card {
  const decided = v.reviews.find((r) => r.row.version === version);
  const base = {
    type: 'card' as const,
    key: `notice-review:${v.notice.id}`,
    title: `請核定：通知稿｜${v.audienceLabel}`,
    subtitle: `事件 ${v.incident.ref}｜第${version}版｜撰稿：${v.authorName}`,
    fallbackText: `請核定：事件 ${v.incident.ref} 的「${v.audienceLabel}」通知稿（第${version}版）`,
  };
  if (decided) {
    const ok = decided.row.decision === 'approved';
    return {
      ...base,
      tone: ok ? 'success' : 'danger',
      sections: [
        { heading: '通知內容', text: v.text },
        {
          text: ok
            ? `✓ 已由 ${decided.reviewerName} 於 ${formatRocDateTime(decided.row.decidedAt)} 核定`
            : `已由 ${decided.reviewerName} 於 ${formatRocDateTime(decided.row.decidedAt)} 退回修改\n意見：${decided.comment ?? ''}`,
        },
      ],
      fallbackText: `${base.fallbackText}：${ok ? '已核定' : '已退回'}`,
    };
  }
  if (v.version !== version || v.status !== 'submitted') {
    return {
      ...base,
      tone: 'info',
      sections: [{ text: `撰稿人已修改為第${v.version}版（${NOTICE_STATUS_LABELS[v.status]}），這一版不需要核定。` }],
    };
  }
  return {
    ...base,
    tone: 'warning',
    sections: [
      { heading: '通知內容', text: v.text },
      {
        fields: [
          { label: '通知對象', value: v.audienceLabel },
          { label: '事件', value: v.incident.ref },
        ],
      },
    ],
    buttons: [
      { label: '核定', action: noticeAct.approve(v.notice.id, version), style: 'primary' },
      { label: '退回修改', action: noticeAct.sendBack(v.notice.id, version), style: 'danger' },
    ],
    footer: '核定後才能開始通知當事人。退回時請寫下修改意見。撰寫或修改過這份稿件的人不能核定（管理人撰稿時由名冊指定的代理人核定）。',
  };
}
