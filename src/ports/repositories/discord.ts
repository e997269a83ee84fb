/**
 * A form the Discord adapter offered as a button (table discord_form), kept so the button opens its modal after a
 * restart or on another instance (adapters/discord/forms.ts). The form is stored encrypted by the adapter.
 */
export interface DiscordFormRecord {
  channelId: string;
  formId: string;
  /** direct | group */
  kind: string;
  formEnc: string;
  createdAt: Date;
}

export interface DiscordFormRepository {
  /** Keeps the form offered in the channel under this id, replacing one offered before (created now). */
  save(channelId: string, formId: string, kind: string, formEnc: string): Promise<void>;
  find(channelId: string, formId: string): Promise<DiscordFormRecord | null>;
  drop(channelId: string, formId: string): Promise<void>;
  /** Deletes the forms offered before `before`; returns how many. */
  forget(before: Date): Promise<number>;
}
