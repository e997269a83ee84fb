-- Forms the Discord adapter offered (issue #5): a modal can only be the first answer to a click, so a form the core
-- sends at another moment is offered as a 「填寫表單」 button that opens it later. The form (fields, initial values,
-- which may hold personal data) is kept here encrypted, bound to its row, so the button still opens its modal after a
-- restart or on another instance, and its submission is read back with the right fields. Deleted once submitted, or
-- after a week. Hand-written to match prisma/schema.prisma (see docs/database.md).
CREATE TABLE "discord_form" (
    "channel_id" TEXT NOT NULL,
    "form_id" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "form_enc" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "discord_form_pkey" PRIMARY KEY ("channel_id", "form_id")
);
CREATE INDEX "discord_form_created_at_idx" ON "discord_form"("created_at");
