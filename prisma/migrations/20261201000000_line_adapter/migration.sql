-- LINE adapter (issue #3): durable webhook inbox, LINE friendships, one-time binding codes for linking a platform
-- account to a school person. Hand-written to match prisma/schema.prisma (see docs/database.md).

-- Webhook events are stored (body encrypted) before LINE gets its 200, and processed after: a crash between the two
-- loses nothing (pending rows are processed at the next start). The primary key drops redeliveries.
CREATE TABLE "line_inbound_event" (
    "webhook_event_id" TEXT NOT NULL,
    "seq" BIGSERIAL NOT NULL,
    "received_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "body_enc" TEXT,
    "status" TEXT NOT NULL DEFAULT 'pending',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "claimed_at" TIMESTAMPTZ(3),
    "processed_at" TIMESTAMPTZ(3),
    "error" TEXT,
    CONSTRAINT "line_inbound_event_pkey" PRIMARY KEY ("webhook_event_id")
);
CREATE INDEX "line_inbound_event_status_seq_idx" ON "line_inbound_event"("status", "seq");

-- Whether a LINE user has added the bot as a friend (follow / unfollow events): only friends can get 1:1 messages.
CREATE TABLE "line_friend" (
    "user_id" TEXT NOT NULL,
    "following" BOOLEAN NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "line_friend_pkey" PRIMARY KEY ("user_id")
);

-- One-time codes that link a platform account to a person (only the SHA-256 of the code is stored).
CREATE TABLE "binding_code" (
    "id" TEXT NOT NULL,
    "person_id" TEXT NOT NULL,
    "code_hash" TEXT NOT NULL,
    "created_by_id" TEXT,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    "used_at" TIMESTAMPTZ(3),
    "used_by_platform" TEXT,
    "used_by_external_id" TEXT,
    "revoked_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "binding_code_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "binding_code_code_hash_idx" ON "binding_code"("code_hash");
CREATE INDEX "binding_code_person_id_idx" ON "binding_code"("person_id");
ALTER TABLE "binding_code" ADD CONSTRAINT "binding_code_person_id_fkey" FOREIGN KEY ("person_id") REFERENCES "person"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- Failed code redemptions per platform account, to stop guessing (a few tries per hour).
CREATE TABLE "binding_attempt" (
    "id" BIGSERIAL NOT NULL,
    "platform" TEXT NOT NULL,
    "external_id" TEXT NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "binding_attempt_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "binding_attempt_platform_external_id_at_idx" ON "binding_attempt"("platform", "external_id", "at");
