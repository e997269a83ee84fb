-- Issue #17: processed_event folded into the one inbox. An event id handled by the core is now a finished row of
-- inbound_event (status done, no body): the row the inbox stored it in, or one of its own for events that come without
-- an inbox row (interactions answered in their acknowledgement, the local chat page). Finished rows are forgotten after
-- a day, as platform redeliveries come within minutes, so only the last day's ids are carried over.
INSERT INTO "inbound_event" ("platform", "event_id", "received_at", "status", "attempts", "claimed_at", "processed_at")
SELECT "platform", "event_id", "received_at", 'done', 1, "received_at", "received_at"
FROM "processed_event"
WHERE "received_at" > now() - interval '1 day'
ORDER BY "received_at"
ON CONFLICT ("platform", "event_id") DO NOTHING;

DROP TABLE "processed_event";
