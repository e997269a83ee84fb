-- The local chat page on the one outbound ledger (issue #17 step 2, docs/architecture.md "The one outbound ledger"):
-- a bot message sent with an idempotency key is recorded in outbound_message as `local:<key>` with the message's id
-- (claim, insert and record in one transaction, adapters/local/index.ts), no longer in local_message itself. The keys
-- already there are copied, then the column goes. Keys and ids only: no personal data.
-- Hand-written to match prisma/schema.prisma (see docs/database.md).
INSERT INTO "outbound_message" ("idempotency_key", "platform", "conversation", "message_id", "claimed_at", "created_at")
SELECT 'local:' || "idempotency_key", 'local', "conversation_id", "id"::TEXT, "created_at", "created_at"
FROM "local_message"
WHERE "idempotency_key" IS NOT NULL
ON CONFLICT ("idempotency_key") DO NOTHING;

DROP INDEX "local_message_idempotency_key_key";
ALTER TABLE "local_message" DROP COLUMN "idempotency_key";
