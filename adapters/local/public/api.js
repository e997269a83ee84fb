// The local chat API (docs/local-api.md): every call, its errors in zh-TW for the person.

export const API = '/local/api';

export class ApiError extends Error {
  constructor(message, status) {
    super(message);
    this.status = status;
  }
}

function statusMessage(status) {
  switch (status) {
    case 400:
      return '送出的內容有誤，請檢查後再試一次。';
    case 403:
      return '你不是這個對話的成員，無法在這裡發言。';
    case 404:
      return '找不到這個對話或使用者，請重新整理頁面。';
    case 503:
      return '資料庫暫時無法使用，這次沒有記錄任何內容，請稍後再試。';
    default:
      return `發生錯誤（代碼 ${status}），請稍後再試。`;
  }
}

export async function api(method, path, body) {
  let response;
  try {
    response = await fetch(API + path, {
      method,
      headers: body === undefined ? { accept: 'application/json' } : { 'content-type': 'application/json', accept: 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: 'no-store',
    });
  } catch {
    throw new ApiError('無法連線到小幫手，請確認程式仍在執行，再試一次。', 0);
  }
  let data = null;
  try {
    data = await response.json();
  } catch {
    data = null;
  }
  if (!response.ok || (data && data.ok === false)) {
    const message = data && typeof data.error === 'string' && data.error.trim() ? data.error : statusMessage(response.status);
    throw new ApiError(message, response.status);
  }
  if (data === null || typeof data !== 'object') throw new ApiError('小幫手的回應無法解讀，請重新整理頁面。', response.status);
  return data;
}

export const conversationPath = (id) => `/conversations/${encodeURIComponent(id)}`;
