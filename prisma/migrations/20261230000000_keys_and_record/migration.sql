-- Keys that cannot destroy data, a record that cannot be trimmed, and the 5-year retention (issue #14).
-- Hand-written to match prisma/schema.prisma (see docs/database.md and docs/keys-and-record.md).

-- One row per encryption key id: an HMAC of a fixed label under a key derived from that key. Checked at start-up, so a
-- wrong key behind a known id stops the product before it reads or writes anything. The key itself is never stored.
-- retired_at: set by `npm run keys -- rotate` once no value uses the key any more.
CREATE TABLE "encryption_key_check" (
    "key_id" TEXT NOT NULL,
    "check_value" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "retired_at" TIMESTAMPTZ(3),
    CONSTRAINT "encryption_key_check_pkey" PRIMARY KEY ("key_id")
);

-- Sealed heads of each incident's timeline: entry count and head hash, with an HMAC under a sealing key derived from
-- the key ring (the database never holds it). Written in the transaction of every append; a rotation appends a fresh
-- seal of every head under the new key.
CREATE TABLE "timeline_checkpoint" (
    "id" BIGSERIAL NOT NULL,
    "incident_id" TEXT NOT NULL,
    "entry_count" INTEGER NOT NULL,
    "head_hash" TEXT NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL,
    "key_id" TEXT NOT NULL,
    "seal" TEXT NOT NULL,
    CONSTRAINT "timeline_checkpoint_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "timeline_checkpoint_incident_id_id_idx" ON "timeline_checkpoint"("incident_id", "id");
ALTER TABLE "timeline_checkpoint" ADD CONSTRAINT "timeline_checkpoint_incident_id_fkey" FOREIGN KEY ("incident_id") REFERENCES "incident"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- What is left of an incident after its retention period: when, why and on whose authority it was destroyed, and
-- the sealed head of the destroyed timeline (so `npm run verify` and heads kept outside still check out). No
-- personal data. retain_until <= destroyed_at: never before the date, whatever the caller.
CREATE TABLE "destruction_record" (
    "id" TEXT NOT NULL,
    "incident_id" TEXT NOT NULL,
    "school_id" TEXT NOT NULL,
    "incident_ref" TEXT NOT NULL,
    "occurred_at" TIMESTAMPTZ(3) NOT NULL,
    "aware_at" TIMESTAMPTZ(3) NOT NULL,
    "closed_at" TIMESTAMPTZ(3),
    "retain_until" TIMESTAMPTZ(3) NOT NULL,
    "destroyed_at" TIMESTAMPTZ(3) NOT NULL,
    "authorised_by" TEXT NOT NULL,
    "basis" TEXT NOT NULL,
    "removed" JSONB NOT NULL,
    "entry_count" INTEGER NOT NULL,
    "head_hash" TEXT NOT NULL,
    "key_id" TEXT NOT NULL,
    "seal" TEXT NOT NULL,
    CONSTRAINT "destruction_record_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "destruction_record_not_early" CHECK ("retain_until" <= "destroyed_at")
);
CREATE UNIQUE INDEX "destruction_record_incident_id_key" ON "destruction_record"("incident_id");
CREATE UNIQUE INDEX "destruction_record_school_id_incident_ref_key" ON "destruction_record"("school_id", "incident_ref");

-- The record tables refuse UPDATE, DELETE and TRUNCATE, with exactly two exceptions, each only inside a transaction
-- that set the procedure flag (set_config('pdi.procedure', …, true), which ends with the transaction):
--   'rekey'     (npm run keys -- rotate): a timeline entry's encrypted detail may be replaced and nothing else
--               (the hash covers the decrypted detail, so verify still proves the content unchanged), and a
--               destruction record's seal (key_id, seal) renewed under the new key;
--   'retention' (npm run retention): an incident's entries and checkpoints may be deleted once its destruction
--               record exists (inserted first, in the same transaction; its CHECK refuses an early date).
-- Anyone with write access can set a flag too: the triggers stop mistakes, the sealed checkpoints catch tampering.
CREATE OR REPLACE FUNCTION "timeline_entry_append_only"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND current_setting('pdi.procedure', true) = 'rekey'
       AND OLD.detail_enc IS NOT NULL AND NEW.detail_enc IS NOT NULL
       AND (NEW.id, NEW.incident_id, NEW.seq, NEW.at, NEW.actor_id, NEW.actor_label, NEW.type, NEW.summary, NEW.prev_hash, NEW.hash)
           IS NOT DISTINCT FROM
           (OLD.id, OLD.incident_id, OLD.seq, OLD.at, OLD.actor_id, OLD.actor_label, OLD.type, OLD.summary, OLD.prev_hash, OLD.hash) THEN
        RETURN NEW;
    END IF;
    IF TG_OP = 'DELETE' AND current_setting('pdi.procedure', true) = 'retention'
       AND EXISTS (SELECT 1 FROM "destruction_record" d WHERE d."incident_id" = OLD."incident_id") THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'timeline_entry is append-only: % is not allowed', TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$;

CREATE FUNCTION "timeline_checkpoint_append_only"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' AND current_setting('pdi.procedure', true) = 'retention'
       AND EXISTS (SELECT 1 FROM "destruction_record" d WHERE d."incident_id" = OLD."incident_id") THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'timeline_checkpoint is append-only: % is not allowed', TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER "timeline_checkpoint_no_update" BEFORE UPDATE ON "timeline_checkpoint"
    FOR EACH ROW EXECUTE FUNCTION "timeline_checkpoint_append_only"();
CREATE TRIGGER "timeline_checkpoint_no_delete" BEFORE DELETE ON "timeline_checkpoint"
    FOR EACH ROW EXECUTE FUNCTION "timeline_checkpoint_append_only"();
CREATE TRIGGER "timeline_checkpoint_no_truncate" BEFORE TRUNCATE ON "timeline_checkpoint"
    FOR EACH STATEMENT EXECUTE FUNCTION "timeline_checkpoint_append_only"();

-- A key rotation re-seals destruction records under the new key ('rekey': key_id and seal only).
CREATE FUNCTION "destruction_record_append_only"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND current_setting('pdi.procedure', true) = 'rekey'
       AND (to_jsonb(NEW) - 'key_id' - 'seal') = (to_jsonb(OLD) - 'key_id' - 'seal') THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'destruction_record is append-only: % is not allowed', TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER "destruction_record_no_update" BEFORE UPDATE ON "destruction_record"
    FOR EACH ROW EXECUTE FUNCTION "destruction_record_append_only"();
CREATE TRIGGER "destruction_record_no_delete" BEFORE DELETE ON "destruction_record"
    FOR EACH ROW EXECUTE FUNCTION "destruction_record_append_only"();
CREATE TRIGGER "destruction_record_no_truncate" BEFORE TRUNCATE ON "destruction_record"
    FOR EACH STATEMENT EXECUTE FUNCTION "destruction_record_append_only"();
