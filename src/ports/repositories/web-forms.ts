/**
 * The one-time links of web forms from chat (table web_form_use; src/core/conversation/web-form.ts): a link's id is
 * claimed when its page is submitted, so a link files once. Ids and a time only.
 */
export interface WebFormUseRepository {
  /** Claims the link for this question and person; false when it was claimed before (used, or being used now). */
  claim(linkId: string, promptId: string, personId: string): Promise<boolean>;
  /** Gives a claim back (the filing failed: the link may be used again while it is valid). */
  release(linkId: string): Promise<void>;
  /** Whether the link was claimed. */
  used(linkId: string): Promise<boolean>;
  /** Deletes the claims made before `before` (their links expired long ago); returns how many. */
  forget(before: Date): Promise<number>;
}
