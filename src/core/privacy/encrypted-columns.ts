/**
 * Every encrypted column of the database, in one place, with how its additional authenticated data (aad) is built
 * from the row: the key check (start-up), `npm run keys -- check` and `npm run keys -- rotate` read and re-encrypt
 * every value through this list. A new `*_enc` column must be added here (test/core/privacy/encrypted-columns.test.ts
 * compares this list with prisma/schema.prisma), with the same aad its writer uses.
 */
export interface EncryptedColumn {
  table: string;
  column: string;
  /** Primary-key columns: a re-encrypted value is written back to exactly this row. */
  key: readonly string[];
  /** Other columns the aad needs. */
  reads?: readonly string[];
  /** The aad the writer bound the value to (must match the writer's code, named in the comment). */
  aad(row: Record<string, unknown>): string;
  /** Rows of this table may only be changed inside the named procedure (database trigger, see the migrations). */
  procedure?: 'rekey';
}

const s = (v: unknown) => String(v);

export const ENCRYPTED_COLUMNS: readonly EncryptedColumn[] = [
  // src/core/incidents/service.ts (aad incident:<id>:<field>)
  { table: 'incident', column: 'how_leaked_enc', key: ['id'], aad: (r) => `incident:${s(r.id)}:howLeaked` },
  { table: 'incident', column: 'place_enc', key: ['id'], aad: (r) => `incident:${s(r.id)}:place` },
  { table: 'incident', column: 'steps_taken_enc', key: ['id'], aad: (r) => `incident:${s(r.id)}:stepsTaken` },
  { table: 'incident', column: 'affected_estimate_text_enc', key: ['id'], aad: (r) => `incident:${s(r.id)}:affectedEstimateText` },
  {
    table: 'checklist_item',
    column: 'note_enc',
    key: ['id'],
    reads: ['incident_id', 'key'],
    aad: (r) => `incident:${s(r.incident_id)}:checklist:${s(r.key)}`,
  },
  // src/core/incidents/lifecycle.ts, service.ts (遲延原因)
  {
    table: 'checklist_item',
    column: 'delay_reason_enc',
    key: ['id'],
    reads: ['incident_id', 'key'],
    aad: (r) => `incident:${s(r.incident_id)}:delay:${s(r.key)}`,
  },
  // src/core/timeline/timeline.ts
  {
    table: 'timeline_entry',
    column: 'detail_enc',
    key: ['id'],
    reads: ['incident_id'],
    aad: (r) => `timeline:${s(r.incident_id)}`,
    procedure: 'rekey',
  },
  // src/core/conversation/prompts.ts
  { table: 'pending_prompt', column: 'state_enc', key: ['id'], aad: (r) => `prompt:${s(r.id)}` },
  // adapters/local (conversation_id holds the conversation's external id)
  { table: 'local_message', column: 'body_enc', key: ['id'], reads: ['conversation_id'], aad: (r) => `local:${s(r.conversation_id)}` },
  // src/core/chat/inbox.ts (every platform's inbox; rows carried over from line_inbound_event keep their aad in body_aad)
  {
    table: 'inbound_event',
    column: 'body_enc',
    key: ['platform', 'event_id'],
    reads: ['body_aad'],
    aad: (r) => (r.body_aad ? s(r.body_aad) : `inbound-event:${s(r.platform)}:${s(r.event_id)}`),
  },
  // src/core/notices/views.ts (bodyAad, commentAad, batchAad)
  {
    table: 'subject_notice_version',
    column: 'body_enc',
    key: ['notice_id', 'version'],
    aad: (r) => `notice:${s(r.notice_id)}:v${s(r.version)}`,
  },
  {
    table: 'subject_notice_review',
    column: 'comment_enc',
    key: ['id'],
    reads: ['notice_id', 'version'],
    aad: (r) => `notice:${s(r.notice_id)}:review:${s(r.version)}`,
  },
  { table: 'subject_notice_batch', column: 'public_reason_enc', key: ['id'], aad: (r) => `notice-batch:${s(r.id)}:publicReason` },
  { table: 'subject_notice_batch', column: 'note_enc', key: ['id'], aad: (r) => `notice-batch:${s(r.id)}:note` },
  // src/core/conversation/choices.ts (one-shot offers)
  { table: 'one_shot_choice', column: 'message_enc', key: ['id'], aad: (r) => `once:${s(r.id)}` },
  // src/core/evidence/locker.ts and seal.ts (the wrapped data key of each file; the record's triggers let only 'rekey' change them)
  { table: 'evidence', column: 'data_key_enc', key: ['id'], aad: (r) => `evidence:${s(r.id)}:key`, procedure: 'rekey' },
  { table: 'evidence', column: 'description_enc', key: ['id'], aad: (r) => `evidence:${s(r.id)}:description`, procedure: 'rekey' },
  { table: 'evidence', column: 'file_name_enc', key: ['id'], aad: (r) => `evidence:${s(r.id)}:fileName`, procedure: 'rekey' },
  // src/core/conversation/evidence.ts (a file offered and not yet filed or declined)
  { table: 'evidence_offer', column: 'source_enc', key: ['id'], aad: (r) => `evidence-offer:${s(r.id)}` },
  // adapters/discord/forms.ts
  {
    table: 'discord_form',
    column: 'form_enc',
    key: ['channel_id', 'form_id'],
    aad: (r) => `discord-form:${s(r.channel_id)}:${s(r.form_id)}`,
  },
];

/** Double-quoted SQL identifier (names come from the list above, never from input). */
export const ident = (name: string) => `"${name.replace(/"/g, '""')}"`;
