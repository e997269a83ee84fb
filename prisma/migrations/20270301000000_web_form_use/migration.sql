-- Web forms from chat (issue #18 point 5, src/core/conversation/web-form.ts): a report asked step by step in chat can
-- be filled as one web page through a signed one-time link. The link's id is claimed here when the page is submitted,
-- so a link files once, even two submits at the same moment. Ids and a time only: no personal data.
-- Hand-written to match prisma/schema.prisma (see docs/database.md).
CREATE TABLE "web_form_use" (
    "link_id" TEXT NOT NULL,
    "prompt_id" TEXT NOT NULL,
    "person_id" TEXT NOT NULL,
    "used_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "web_form_use_pkey" PRIMARY KEY ("link_id")
);
CREATE INDEX "web_form_use_used_at_idx" ON "web_form_use"("used_at");
