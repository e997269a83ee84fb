// The 📎 button of the local chat page: sends one file to the bot, which offers it as evidence (docs/evidence.md).

/** Why a file will not be sent (zh-TW), or null. Checked here so a too-large file is not uploaded at all. */
export function uploadProblem(file, maxBytes) {
  if (file.size === 0) return '這個檔案是空的，沒有送出。';
  if (file.size > maxBytes) {
    return `檔案超過 ${Math.floor(maxBytes / 1024 / 1024)} MB，沒有送出。請壓縮或分成幾個檔案再傳一次。`;
  }
  return null;
}

/** Posts the file's bytes as they are; the answer is the same as for a message (posted, replies). */
export async function uploadFile(api, conversationPath, as, file) {
  const query = new URLSearchParams({ as, name: file.name || '檔案' });
  let response;
  try {
    response = await fetch(`${api}${conversationPath}/files?${query}`, {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream', accept: 'application/json' },
      body: file,
      cache: 'no-store',
    });
  } catch {
    throw new Error('無法連線到小幫手，檔案沒有送出。請確認程式仍在執行，再試一次。');
  }
  let data = null;
  try {
    data = await response.json();
  } catch {
    data = null;
  }
  if (!response.ok || !data || data.ok !== true) {
    throw new Error(data && typeof data.error === 'string' ? data.error : `檔案沒有送出（錯誤代碼 ${response.status}）。`);
  }
  return data;
}
