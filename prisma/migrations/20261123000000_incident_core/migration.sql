-- Incident core: schools, people, conversations, incidents, checklist, append-only timeline, durable prompts.
-- Hand-written to match prisma/schema.prisma (see docs/database.md).

CREATE TABLE "school" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "is_demo" BOOLEAN NOT NULL DEFAULT false,
    "clock_profile" TEXT NOT NULL DEFAULT 'private-school',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "school_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "person" (
    "id" TEXT NOT NULL,
    "school_id" TEXT NOT NULL,
    "display_name" TEXT NOT NULL,
    "unit" TEXT,
    "roles" TEXT[],
    "active" BOOLEAN NOT NULL DEFAULT true,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "person_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "identity" (
    "id" TEXT NOT NULL,
    "person_id" TEXT NOT NULL,
    "platform" TEXT NOT NULL,
    "external_id" TEXT NOT NULL,
    "display_name" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "identity_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "conversation" (
    "id" TEXT NOT NULL,
    "platform" TEXT NOT NULL,
    "external_id" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "purpose" TEXT NOT NULL DEFAULT 'staff',
    "title" TEXT,
    "school_id" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "conversation_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "incident" (
    "id" TEXT NOT NULL,
    "school_id" TEXT NOT NULL,
    "ref" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "playbook_id" TEXT NOT NULL,
    "reporter_id" TEXT NOT NULL,
    "conversation_id" TEXT,
    "occurred_at" TIMESTAMPTZ(3) NOT NULL,
    "aware_at" TIMESTAMPTZ(3) NOT NULL,
    "handling_ended_at" TIMESTAMPTZ(3),
    "recovered_at" TIMESTAMPTZ(3),
    "closed_at" TIMESTAMPTZ(3),
    "involves_system" BOOLEAN NOT NULL DEFAULT false,
    "categories" TEXT[],
    "special_categories" BOOLEAN NOT NULL DEFAULT false,
    "biometric" BOOLEAN NOT NULL DEFAULT false,
    "affected_estimate" INTEGER,
    "affected_kinds" TEXT[],
    "students_count" INTEGER,
    "guardians_count" INTEGER,
    "staff_count" INTEGER,
    "others_count" INTEGER,
    "minors_count" INTEGER,
    "system_records_held" INTEGER,
    "clock_profile" TEXT NOT NULL,
    "clock_overrides" JSONB NOT NULL DEFAULT '{}',
    "how_leaked_enc" TEXT NOT NULL,
    "place_enc" TEXT NOT NULL,
    "steps_taken_enc" TEXT NOT NULL,
    "version" INTEGER NOT NULL DEFAULT 0,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "incident_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "checklist_item" (
    "id" TEXT NOT NULL,
    "incident_id" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "position" INTEGER NOT NULL,
    "title" TEXT NOT NULL,
    "phase" TEXT NOT NULL,
    "owner_role" TEXT NOT NULL,
    "owner_person_id" TEXT,
    "clock_id" TEXT,
    "completes_clock" TEXT,
    "state" TEXT NOT NULL DEFAULT 'open',
    "note_enc" TEXT,
    "done_by_id" TEXT,
    "done_at" TIMESTAMPTZ(3),
    CONSTRAINT "checklist_item_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "timeline_entry" (
    "id" BIGSERIAL NOT NULL,
    "incident_id" TEXT NOT NULL,
    "seq" INTEGER NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL,
    "actor_id" TEXT,
    "actor_label" TEXT NOT NULL,
    "type" TEXT NOT NULL,
    "summary" TEXT NOT NULL,
    "detail_enc" TEXT,
    "prev_hash" TEXT NOT NULL,
    "hash" TEXT NOT NULL,
    CONSTRAINT "timeline_entry_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "pending_prompt" (
    "id" TEXT NOT NULL,
    "conversation_id" TEXT NOT NULL,
    "person_id" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "step" TEXT,
    "state_enc" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'open',
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "pending_prompt_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "processed_event" (
    "platform" TEXT NOT NULL,
    "event_id" TEXT NOT NULL,
    "received_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "processed_event_pkey" PRIMARY KEY ("platform","event_id")
);

CREATE TABLE "posted_card" (
    "id" TEXT NOT NULL,
    "incident_id" TEXT NOT NULL,
    "card_key" TEXT NOT NULL,
    "conversation_id" TEXT NOT NULL,
    "platform_message_id" TEXT NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "posted_card_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "local_message" (
    "id" BIGSERIAL NOT NULL,
    "conversation_id" TEXT NOT NULL,
    "sender_kind" TEXT NOT NULL,
    "sender_name" TEXT NOT NULL,
    "body_enc" TEXT NOT NULL,
    "edited_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "local_message_pkey" PRIMARY KEY ("id")
);

CREATE INDEX "person_school_id_idx" ON "person"("school_id");
CREATE UNIQUE INDEX "identity_platform_external_id_key" ON "identity"("platform", "external_id");
CREATE UNIQUE INDEX "conversation_platform_external_id_key" ON "conversation"("platform", "external_id");
CREATE INDEX "incident_school_id_status_idx" ON "incident"("school_id", "status");
CREATE UNIQUE INDEX "incident_school_id_ref_key" ON "incident"("school_id", "ref");
CREATE UNIQUE INDEX "checklist_item_incident_id_key_key" ON "checklist_item"("incident_id", "key");
CREATE UNIQUE INDEX "timeline_entry_incident_id_seq_key" ON "timeline_entry"("incident_id", "seq");
CREATE INDEX "pending_prompt_conversation_id_person_id_status_idx" ON "pending_prompt"("conversation_id", "person_id", "status");
CREATE UNIQUE INDEX "posted_card_incident_id_card_key_conversation_id_key" ON "posted_card"("incident_id", "card_key", "conversation_id");
CREATE INDEX "local_message_conversation_id_id_idx" ON "local_message"("conversation_id", "id");

ALTER TABLE "person" ADD CONSTRAINT "person_school_id_fkey" FOREIGN KEY ("school_id") REFERENCES "school"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "identity" ADD CONSTRAINT "identity_person_id_fkey" FOREIGN KEY ("person_id") REFERENCES "person"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "conversation" ADD CONSTRAINT "conversation_school_id_fkey" FOREIGN KEY ("school_id") REFERENCES "school"("id") ON DELETE SET NULL ON UPDATE CASCADE;
ALTER TABLE "incident" ADD CONSTRAINT "incident_school_id_fkey" FOREIGN KEY ("school_id") REFERENCES "school"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "checklist_item" ADD CONSTRAINT "checklist_item_incident_id_fkey" FOREIGN KEY ("incident_id") REFERENCES "incident"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "timeline_entry" ADD CONSTRAINT "timeline_entry_incident_id_fkey" FOREIGN KEY ("incident_id") REFERENCES "incident"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- The timeline is append-only: no statement may change or remove an entry. (The 5-year retention purge, a later
-- feature, will go through a dedicated, recorded procedure.) Tampering below SQL level is caught by the hash chain.
CREATE FUNCTION "timeline_entry_append_only"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'timeline_entry is append-only: % is not allowed', TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER "timeline_entry_no_update" BEFORE UPDATE ON "timeline_entry"
    FOR EACH ROW EXECUTE FUNCTION "timeline_entry_append_only"();
CREATE TRIGGER "timeline_entry_no_delete" BEFORE DELETE ON "timeline_entry"
    FOR EACH ROW EXECUTE FUNCTION "timeline_entry_append_only"();
CREATE TRIGGER "timeline_entry_no_truncate" BEFORE TRUNCATE ON "timeline_entry"
    FOR EACH STATEMENT EXECUTE FUNCTION "timeline_entry_append_only"();
