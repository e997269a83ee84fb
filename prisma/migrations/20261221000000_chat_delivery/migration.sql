-- Durable, multi-instance-safe chat delivery for any adapter (first used by Slack, issue #4). Hand-written to match
-- prisma/schema.prisma (see docs/database.md).

-- Messages sent with an idempotency key (reminders, digests: a job retried by another instance after a crash must not
-- post twice). A sender claims the key (message_id still NULL) before it posts and records the platform's message id
-- after; a second sender finds the claim and returns that message, or waits while the claim is fresh.
CREATE TABLE "outbound_message" (
    "idempotency_key" TEXT NOT NULL,
    "platform" TEXT NOT NULL,
    "conversation" TEXT NOT NULL,
    "message_id" TEXT,
    "claimed_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "outbound_message_pkey" PRIMARY KEY ("idempotency_key")
);
CREATE INDEX "outbound_message_created_at_idx" ON "outbound_message"("created_at");

-- Platform events received and acknowledged, stored (body encrypted) before they are processed: a retry of the same
-- event (another instance, another hour) is dropped by the primary key, and an event acknowledged by a process that
-- stopped before handling it is processed at the next start. The body is cleared once processed.
CREATE TABLE "inbound_event" (
    "platform" TEXT NOT NULL,
    "event_id" TEXT NOT NULL,
    "received_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "body_enc" TEXT,
    "status" TEXT NOT NULL DEFAULT 'processing',
    "attempts" INTEGER NOT NULL DEFAULT 1,
    "claimed_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "processed_at" TIMESTAMPTZ(3),
    "error" TEXT,
    CONSTRAINT "inbound_event_pkey" PRIMARY KEY ("platform", "event_id")
);
CREATE INDEX "inbound_event_status_claimed_at_idx" ON "inbound_event"("status", "claimed_at");
