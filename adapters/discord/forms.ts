import type { ConversationAddress, Form } from '../../src/ports/chat-model.js';
import type { FieldCipher } from '../../src/core/privacy/cipher.js';
import type { DiscordFormRepository } from '../../src/ports/repositories/index.js';

/**
 * Forms the Discord adapter offered, kept so that a 「填寫表單」 button opens its modal later — after a restart, or when
 * the click reaches another instance — and a submitted modal is read back with its fields (choices typed into a text
 * input are mapped to option values). A modal can only be the first answer to an interaction, so a form the core
 * sends while handling something else is offered as a button; the form itself must outlive the process.
 *
 * Stored in discord_form (through DiscordFormRepository, src/ports/repositories/discord.ts), the form JSON encrypted
 * with the FieldCipher (its initial values may hold personal data: a notice's text), bound to its row (channel and
 * form id) by the additional data. A small in-memory cache spares the database read for a click on the same instance. Rows go when the form is submitted, or after `maxAgeMs`.
 */
const MAX_CACHED = 500;
export const FORM_KEPT_MS = 7 * 86_400_000;

export interface StoredForm {
  form: Form;
  to: ConversationAddress;
}

export class DiscordFormStore {
  private readonly cache = new Map<string, StoredForm>();

  constructor(
    private readonly repo: DiscordFormRepository,
    private readonly cipher: FieldCipher,
    private readonly platform: string,
  ) {}

  private aad(channelId: string, formId: string): string {
    return `discord-form:${channelId}:${formId}`;
  }

  private remember(key: string, stored: StoredForm): void {
    this.cache.delete(key);
    this.cache.set(key, stored);
    while (this.cache.size > MAX_CACHED) this.cache.delete(this.cache.keys().next().value!);
  }

  /** Keeps (or replaces: a page sent again with other initial values) the form offered in `to`. */
  async save(form: Form, to: ConversationAddress): Promise<void> {
    this.remember(`${to.externalId}:${form.formId}`, { form, to });
    const formEnc = this.cipher.encrypt(JSON.stringify(form), this.aad(to.externalId, form.formId));
    await this.repo.save(to.externalId, form.formId, to.kind, formEnc);
  }

  /** The form offered in this channel under this id, or null (never offered, submitted already, or too old). */
  async load(channelId: string, formId: string): Promise<StoredForm | null> {
    const key = `${channelId}:${formId}`;
    const hit = this.cache.get(key);
    if (hit) return hit;
    const row = await this.repo.find(channelId, formId);
    if (!row) return null;
    const stored: StoredForm = {
      form: JSON.parse(this.cipher.decrypt(row.formEnc, this.aad(channelId, formId))) as Form,
      to: { platform: this.platform, externalId: channelId, kind: row.kind === 'direct' ? 'direct' : 'group' },
    };
    this.remember(key, stored);
    return stored;
  }

  /** The form was submitted: its button answers 「這個問答已過期」 from now on, on every instance. */
  async drop(channelId: string, formId: string): Promise<void> {
    this.cache.delete(`${channelId}:${formId}`);
    await this.repo.drop(channelId, formId);
  }

  /** Deletes forms offered longer ago than `olderThanMs` (the core's questions expire within a day). */
  async forget(olderThanMs = FORM_KEPT_MS): Promise<number> {
    return this.repo.forget(new Date(Date.now() - olderThanMs));
  }
}
