-- Clocks that run (issue #6): what is scheduled for each clock of an incident, the notices (reminders, escalations,
-- digests) claimed before sending, and each delivery with the idempotency key handed to the chat adapter.
-- The job queue itself is pg-boss, in its own schema "pgboss" (created and migrated by pg-boss at start-up).

CREATE TABLE "clock_schedule" (
    "incident_id" TEXT NOT NULL,
    "clock_id" TEXT NOT NULL,
    "state" TEXT NOT NULL,
    "target_at" TIMESTAMPTZ(3),
    "statutory_end" TIMESTAMPTZ(3),
    "slots" JSONB NOT NULL DEFAULT '[]',
    "note" TEXT,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "clock_schedule_pkey" PRIMARY KEY ("incident_id", "clock_id")
);

CREATE TABLE "notice" (
    "key" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "school_id" TEXT NOT NULL,
    "incident_id" TEXT,
    "clock_id" TEXT,
    "slot" TEXT,
    "level" INTEGER NOT NULL DEFAULT 0,
    "due_at" TIMESTAMPTZ(3) NOT NULL,
    "late" BOOLEAN NOT NULL DEFAULT false,
    "job_id" TEXT,
    "status" TEXT NOT NULL DEFAULT 'sending',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "sent_at" TIMESTAMPTZ(3),
    CONSTRAINT "notice_pkey" PRIMARY KEY ("key")
);

CREATE TABLE "notice_delivery" (
    "notice_key" TEXT NOT NULL,
    "target" TEXT NOT NULL,
    "platform" TEXT NOT NULL,
    "external_id" TEXT NOT NULL,
    "conversation_kind" TEXT NOT NULL,
    "person_id" TEXT,
    "idempotency_key" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'pending',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "error" TEXT,
    "message_id" TEXT,
    "sent_at" TIMESTAMPTZ(3),
    CONSTRAINT "notice_delivery_pkey" PRIMARY KEY ("notice_key", "target")
);

ALTER TABLE "local_message" ADD COLUMN "idempotency_key" TEXT;

CREATE INDEX "notice_incident_id_idx" ON "notice"("incident_id");
CREATE UNIQUE INDEX "notice_delivery_idempotency_key_key" ON "notice_delivery"("idempotency_key");
CREATE UNIQUE INDEX "local_message_idempotency_key_key" ON "local_message"("idempotency_key");

ALTER TABLE "clock_schedule" ADD CONSTRAINT "clock_schedule_incident_id_fkey" FOREIGN KEY ("incident_id") REFERENCES "incident"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "notice_delivery" ADD CONSTRAINT "notice_delivery_notice_key_fkey" FOREIGN KEY ("notice_key") REFERENCES "notice"("key") ON DELETE RESTRICT ON UPDATE CASCADE;
