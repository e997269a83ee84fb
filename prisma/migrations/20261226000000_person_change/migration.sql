-- Who gave whom which role, and when: a person's roles decide who sees the details of a personal-data incident, so
-- every change of a person's name, unit, roles or active state is kept, append-only like the timeline (the triggers
-- refuse UPDATE, DELETE and TRUNCATE). Written in the same transaction as the change itself, by the roster import
-- (src/core/people/roster.ts) and by the role assignment rules (src/core/people/directory.ts); read with
-- `npm run people -- history --school <id>`. Staff names and roles only: no incident data.
-- Hand-written to match prisma/schema.prisma (see docs/database.md).
CREATE TABLE "person_change" (
    "id" TEXT NOT NULL,
    "school_id" TEXT NOT NULL,
    "person_id" TEXT NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "actor_person_id" TEXT,
    "actor_label" TEXT NOT NULL,
    "changes" JSONB NOT NULL,
    CONSTRAINT "person_change_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "person_change_school_id_at_idx" ON "person_change"("school_id", "at");
CREATE INDEX "person_change_person_id_idx" ON "person_change"("person_id");
ALTER TABLE "person_change" ADD CONSTRAINT "person_change_person_id_fkey" FOREIGN KEY ("person_id") REFERENCES "person"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

CREATE FUNCTION "person_change_append_only"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'person_change is append-only: % is not allowed', TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER "person_change_no_update" BEFORE UPDATE ON "person_change"
    FOR EACH ROW EXECUTE FUNCTION "person_change_append_only"();
CREATE TRIGGER "person_change_no_delete" BEFORE DELETE ON "person_change"
    FOR EACH ROW EXECUTE FUNCTION "person_change_append_only"();
CREATE TRIGGER "person_change_no_truncate" BEFORE TRUNCATE ON "person_change"
    FOR EACH STATEMENT EXECUTE FUNCTION "person_change_append_only"();
