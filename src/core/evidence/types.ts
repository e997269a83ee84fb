import { UserError } from '../incidents/types.js';

/** Largest file the locker takes (the platforms' own limits are near: LINE 200 MB for files, Slack 1 GB, Discord 10 MB+). */
export const DEFAULT_MAX_EVIDENCE_BYTES = 25 * 1024 * 1024;
/** Bytes read before the type is decided (file-type's advice for reliable detection). */
export const SNIFF_BYTES = 4100;

/** The kinds of file the locker takes, by the type read from the file's own bytes (never the name or the sender's claim). */
export const EVIDENCE_TYPES: Readonly<Record<string, string>> = {
  'image/jpeg': '圖片',
  'image/png': '圖片',
  'image/gif': '圖片',
  'image/webp': '圖片',
  'image/heic': '圖片',
  'image/heif': '圖片',
  'image/bmp': '圖片',
  'image/tiff': '圖片',
  'application/pdf': 'PDF 文件',
  'application/zip': '壓縮檔',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document': 'Word 文件',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': 'Excel 試算表',
  'application/vnd.openxmlformats-officedocument.presentationml.presentation': '簡報',
  'application/vnd.oasis.opendocument.text': 'ODF 文件',
  'application/vnd.oasis.opendocument.spreadsheet': 'ODF 試算表',
  'text/plain': '文字檔',
  'message/rfc822': '電子郵件（eml）',
};

/** The file was refused; `message` is the zh-TW answer for the person, `detail` the operator's English. */
export class EvidenceRefused extends UserError {
  constructor(
    message: string,
    readonly detail: string,
  ) {
    super(message);
    this.name = 'EvidenceRefused';
  }
}

export const REFUSALS = {
  tooLarge: (max: number) =>
    `檔案超過 ${Math.floor(max / 1024 / 1024)} MB，無法存證。請壓縮或分成幾個檔案再傳一次；原始檔請先保存在限制存取的位置。`,
  type: '這種檔案無法存證。可以存證的有：圖片（JPG、PNG、HEIC 等）、PDF、純文字檔、電子郵件（.eml）、壓縮檔（.zip）及 Office 文件。',
  empty: '這個檔案是空的，無法存證。',
  fetch: '無法從聊天平台取得這個檔案（可能已過期或被刪除），請再傳一次。',
} as const;

const EML_HEAD_RE =
  /^(?:Received|Return-Path|Delivered-To|From|To|Subject|Date|Message-ID|MIME-Version|X-[\w-]+|DKIM-Signature|ARC-[\w-]+|Authentication-Results):/im;

/**
 * The media type of a file from its first bytes: a known signature (file-type), else text when the head is valid
 * UTF-8 without control bytes (an e-mail when it starts with mail headers or is named .eml). Null when the file is of
 * a kind the locker does not take.
 */
export async function sniffType(head: Buffer, fileName: string | undefined, complete: boolean): Promise<string | null> {
  // Loaded when a file comes (file-type and its tokenizers are ~30 modules the start does not need).
  const { fileTypeFromBuffer } = await import('file-type');
  const found = await fileTypeFromBuffer(head);
  if (found) {
    if (found.mime === 'message/rfc822') return found.mime;
    return EVIDENCE_TYPES[found.mime] ? found.mime : null;
  }
  // A multi-byte character may be cut at the end of the head: decode all but the last three bytes strictly.
  const probe = complete ? head : head.subarray(0, Math.max(0, head.length - 3));
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(probe);
  } catch {
    return null;
  }
  if (/[\u0000-\u0008\u000e-\u001f]/.test(text)) return null;
  if (EML_HEAD_RE.test(text.slice(0, 2000)) || /\.eml$/i.test(fileName ?? '')) return 'message/rfc822';
  return 'text/plain';
}

export function typeLabel(mediaType: string): string {
  return EVIDENCE_TYPES[mediaType] ?? mediaType;
}

/** 1.2 MB, 340 KB, 12 bytes: for people. */
export function sizeLabel(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
  if (bytes >= 1024) return `${Math.max(1, Math.round(bytes / 1024))} KB`;
  return `${bytes} bytes`;
}

/** A file as an adapter hands it over (src/ports/chat-model.ts). */
export type { IncomingFile } from '../../ports/chat-model.js';

/** Where a file came from: the platform and its own message or file id (ids only). */
export interface EvidenceSource {
  platform: string;
  message: string;
}
