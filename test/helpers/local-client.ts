import type { Card, Form, OutboundMessage, TextMessage } from '../../src/ports/chat-model.js';
import type { LocalMessageView } from '../../adapters/local/index.js';

export interface ApiResult {
  status: number;
  body: { ok?: boolean; replies?: LocalMessageView[]; posted?: LocalMessageView; error?: string; detail?: string };
}

/** Drives the local adapter's JSON API (docs/local-api.md) as a person would through the chat page. */
export class LocalClient {
  constructor(readonly url: string) {}

  private async call(method: string, path: string, body?: unknown): Promise<ApiResult> {
    const res = await fetch(`${this.url}${path}`, {
      method,
      headers: body ? { 'content-type': 'application/json' } : {},
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    return { status: res.status, body: (await res.json()) as ApiResult['body'] };
  }

  async say(as: string, conversation: string, text: string): Promise<LocalMessageView[]> {
    return this.ok(await this.call('POST', `/local/api/conversations/${conversation}/messages`, { as, text }));
  }

  async press(as: string, conversation: string, action: string): Promise<LocalMessageView[]> {
    return this.ok(await this.call('POST', `/local/api/conversations/${conversation}/actions`, { as, action }));
  }

  async submit(as: string, conversation: string, formId: string, values: Record<string, string | string[]>): Promise<LocalMessageView[]> {
    return this.ok(await this.call('POST', `/local/api/conversations/${conversation}/forms`, { as, formId, values }));
  }

  async raw(method: string, path: string, body?: unknown): Promise<ApiResult> {
    return this.call(method, path, body);
  }

  async messages(as: string, conversation: string): Promise<LocalMessageView[]> {
    const r = await this.call('GET', `/local/api/conversations/${conversation}/messages?as=${encodeURIComponent(as)}`);
    if (r.status !== 200) throw new Error(`GET messages → ${r.status} ${JSON.stringify(r.body)}`);
    return (r.body as { messages: LocalMessageView[] }).messages;
  }

  private ok(r: ApiResult): LocalMessageView[] {
    if (r.status !== 200) throw new Error(`local API → ${r.status} ${JSON.stringify(r.body)}`);
    return r.body.replies ?? [];
  }
}

export const bodies = (msgs: LocalMessageView[]): OutboundMessage[] => msgs.map((m) => m.body);
export const texts = (msgs: LocalMessageView[]): string[] =>
  msgs.filter((m) => m.body.type === 'text').map((m) => (m.body as TextMessage).text);
export const cards = (msgs: LocalMessageView[], key?: string): (Card & { messageId: string; conversationId: string })[] =>
  msgs
    .filter((m) => m.body.type === 'card' && (!key || (m.body as Card).key === key))
    .map((m) => ({ ...(m.body as Card), messageId: m.id, conversationId: m.conversationId }));
export const forms = (msgs: LocalMessageView[]): (Form & { conversationId: string })[] =>
  msgs.filter((m) => m.body.type === 'form').map((m) => ({ ...(m.body as Form), conversationId: m.conversationId }));
