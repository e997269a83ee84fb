// Times on the local chat page: always Asia/Taipei, whatever the device says.

const TIME_ZONE = 'Asia/Taipei';
const WEEKDAYS = ['日', '一', '二', '三', '四', '五', '六'];
const WEEKDAY_INDEX = { Sun: 0, Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6 };

const taipeiFormat = new Intl.DateTimeFormat('en-US', {
  timeZone: TIME_ZONE,
  year: 'numeric',
  month: 'numeric',
  day: 'numeric',
  weekday: 'short',
  hour: 'numeric',
  minute: '2-digit',
  hourCycle: 'h23',
});

function taipeiParts(value) {
  const date = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(date.getTime())) return null;
  const parts = {};
  for (const part of taipeiFormat.formatToParts(date)) parts[part.type] = part.value;
  return {
    year: Number(parts.year),
    month: Number(parts.month),
    day: Number(parts.day),
    weekday: WEEKDAY_INDEX[parts.weekday] ?? 0,
    hour: Number(parts.hour) % 24,
    minute: Number(parts.minute),
  };
}

const pad = (n) => String(n).padStart(2, '0');

export function formatTime(value) {
  const p = taipeiParts(value);
  return p ? `${pad(p.hour)}:${pad(p.minute)}` : '';
}

export function dayKey(value) {
  const p = taipeiParts(value);
  return p ? `${p.year}-${pad(p.month)}-${pad(p.day)}` : 'unknown';
}

/** 「11月23日（一）」, with the year in front when it is not this year. */
export function formatDay(value) {
  const p = taipeiParts(value);
  if (!p) return '';
  const now = taipeiParts(new Date());
  const year = now && now.year === p.year ? '' : `${p.year}年`;
  return `${year}${p.month}月${p.day}日（${WEEKDAYS[p.weekday]}）`;
}

export function formatFull(value) {
  const p = taipeiParts(value);
  return p ? `${p.year}年${p.month}月${p.day}日（${WEEKDAYS[p.weekday]}）${pad(p.hour)}:${pad(p.minute)}（臺北時間）` : '';
}

/** A datetime-local value ("YYYY-MM-DDTHH:mm", Taipei wall clock) from a form field's initial value. */
export function toLocalInputValue(initial) {
  if (typeof initial !== 'string' || initial === '') return '';
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/.test(initial)) return initial;
  const p = taipeiParts(initial);
  return p ? `${p.year}-${pad(p.month)}-${pad(p.day)}T${pad(p.hour)}:${pad(p.minute)}` : '';
}
