-- One-shot choices the bot posted (issue #12): an offer 「開始通報 / 不是」 or any card whose buttons may be pressed once.
-- The buttons carry the row's id; the first press takes the choice (an UPDATE … WHERE taken_at IS NULL, so two
-- presses at once cannot both take it), the message is re-rendered without its buttons and with who took it, and a
-- later press of a stale button is answered politely and does nothing. The posted message is kept encrypted, bound to
-- its row, so it can be re-rendered after a restart or on another instance. Hand-written to match
-- prisma/schema.prisma (see docs/database.md).
CREATE TABLE "one_shot_choice" (
    "id" TEXT NOT NULL,
    "conversation_id" TEXT NOT NULL,
    "platform_message_id" TEXT,
    "message_enc" TEXT NOT NULL,
    "taken_by_id" TEXT,
    "taken_text" TEXT,
    "taken_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "one_shot_choice_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "one_shot_choice_created_at_idx" ON "one_shot_choice"("created_at");
