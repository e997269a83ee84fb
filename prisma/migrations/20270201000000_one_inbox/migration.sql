-- Issue #17: one inbox for every chat platform. inbound_event gains the arrival order and the conversation (LINE's
-- ordered drain), and the aad of bodies carried over from line_inbound_event, whose rows move here: unfinished ones
-- keep their encrypted body (bound to the aad they were written with) and their order, finished ones keep dropping
-- redeliveries. Then LINE's own table goes.
ALTER TABLE "inbound_event" ADD COLUMN "seq" BIGSERIAL;
ALTER TABLE "inbound_event" ADD COLUMN "conversation" TEXT;
ALTER TABLE "inbound_event" ADD COLUMN "body_aad" TEXT;
CREATE INDEX "inbound_event_platform_status_seq_idx" ON "inbound_event"("platform", "status", "seq");

INSERT INTO "inbound_event" ("platform", "event_id", "received_at", "body_enc", "body_aad", "status", "attempts", "claimed_at", "processed_at", "error")
SELECT 'line', "webhook_event_id", "received_at", "body_enc",
       CASE WHEN "body_enc" IS NULL THEN NULL ELSE 'line-event:' || "webhook_event_id" END,
       "status", "attempts", COALESCE("claimed_at", "received_at"), "processed_at", "error"
FROM "line_inbound_event"
ORDER BY "seq"
ON CONFLICT ("platform", "event_id") DO NOTHING;

DROP TABLE "line_inbound_event";
