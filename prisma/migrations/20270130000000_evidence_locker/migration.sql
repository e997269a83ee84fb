-- The evidence locker (issue #15, docs/evidence.md).
CREATE TABLE "evidence" (
    "id" TEXT NOT NULL,
    "incident_id" TEXT NOT NULL,
    "seq" INTEGER NOT NULL,
    "item_key" TEXT,
    "description_enc" TEXT NOT NULL,
    "file_name_enc" TEXT NOT NULL,
    "media_type" TEXT NOT NULL,
    "size" INTEGER NOT NULL,
    "sha256" TEXT NOT NULL,
    "filed_by_id" TEXT NOT NULL,
    "filed_by_label" TEXT NOT NULL,
    "filed_at" TIMESTAMPTZ(3) NOT NULL,
    "source_platform" TEXT NOT NULL,
    "source_message" TEXT NOT NULL,
    "store" TEXT NOT NULL,
    "data_key_enc" TEXT NOT NULL,
    "nonce" TEXT NOT NULL,
    "chunk_size" INTEGER NOT NULL,
    CONSTRAINT "evidence_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "evidence_sha256_hex" CHECK ("sha256" ~ '^[0-9a-f]{64}$'),
    CONSTRAINT "evidence_store_known" CHECK ("store" IN ('directory', 'database'))
);
CREATE UNIQUE INDEX "evidence_incident_id_seq_key" ON "evidence"("incident_id", "seq");

CREATE TABLE "evidence_chunk" (
    "evidence_id" TEXT NOT NULL,
    "seq" INTEGER NOT NULL,
    "data" BYTEA NOT NULL,
    CONSTRAINT "evidence_chunk_pkey" PRIMARY KEY ("evidence_id", "seq")
);

CREATE TABLE "evidence_offer" (
    "id" TEXT NOT NULL,
    "person_id" TEXT NOT NULL,
    "conversation_id" TEXT NOT NULL,
    "source_enc" TEXT NOT NULL,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "evidence_offer_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "evidence_offer_person_id_idx" ON "evidence_offer"("person_id");

-- Evidence is part of the record: no UPDATE, DELETE or TRUNCATE, with the same two doors as the timeline
-- (migration 20261230000000_keys_and_record): 'rekey' may re-wrap the encrypted columns and nothing else, and
-- 'retention' may delete an incident's evidence once its destruction record exists.
CREATE FUNCTION "evidence_append_only"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND current_setting('pdi.procedure', true) = 'rekey'
       AND (to_jsonb(NEW) - 'data_key_enc' - 'description_enc' - 'file_name_enc')
           = (to_jsonb(OLD) - 'data_key_enc' - 'description_enc' - 'file_name_enc') THEN
        RETURN NEW;
    END IF;
    IF TG_OP = 'DELETE' AND current_setting('pdi.procedure', true) = 'retention'
       AND EXISTS (SELECT 1 FROM "destruction_record" d WHERE d."incident_id" = OLD."incident_id") THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'evidence is append-only: % is not allowed', TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER "evidence_no_update" BEFORE UPDATE ON "evidence" FOR EACH ROW EXECUTE FUNCTION "evidence_append_only"();
CREATE TRIGGER "evidence_no_delete" BEFORE DELETE ON "evidence" FOR EACH ROW EXECUTE FUNCTION "evidence_append_only"();
CREATE TRIGGER "evidence_no_truncate" BEFORE TRUNCATE ON "evidence" FOR EACH STATEMENT EXECUTE FUNCTION "evidence_append_only"();

-- Chunks are written once, as the file is filed. A chunk may be deleted only by the retention procedure (its evidence
-- row goes in the same transaction) or while its evidence row does not exist yet (an intake that failed half-way).
CREATE FUNCTION "evidence_chunk_append_only"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' AND (
         (current_setting('pdi.procedure', true) = 'retention'
          AND EXISTS (SELECT 1 FROM "evidence" e JOIN "destruction_record" d ON d."incident_id" = e."incident_id"
                      WHERE e."id" = OLD."evidence_id"))
         OR NOT EXISTS (SELECT 1 FROM "evidence" e WHERE e."id" = OLD."evidence_id")) THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'evidence_chunk is append-only: % is not allowed', TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER "evidence_chunk_no_update" BEFORE UPDATE ON "evidence_chunk" FOR EACH ROW EXECUTE FUNCTION "evidence_chunk_append_only"();
CREATE TRIGGER "evidence_chunk_no_delete" BEFORE DELETE ON "evidence_chunk" FOR EACH ROW EXECUTE FUNCTION "evidence_chunk_append_only"();
CREATE TRIGGER "evidence_chunk_no_truncate" BEFORE TRUNCATE ON "evidence_chunk" FOR EACH STATEMENT EXECUTE FUNCTION "evidence_chunk_append_only"();
