-- Notices to the people whose data leaked (issue #7; 個資法第12條, 施行細則第22條): one draft per audience of an
-- incident, every version kept, the principal's decisions, and the delivery batches (counts only, never the
-- recipients' contact details). Texts and comments are encrypted (`_enc`).

CREATE TABLE "subject_notice" (
    "id" TEXT NOT NULL,
    "incident_id" TEXT NOT NULL,
    "audience" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'draft',
    "current_version" INTEGER NOT NULL DEFAULT 1,
    "approved_version" INTEGER,
    "approved_by_id" TEXT,
    "approved_at" TIMESTAMPTZ(3),
    "created_by_id" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "subject_notice_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "subject_notice_incident_id_fkey" FOREIGN KEY ("incident_id") REFERENCES "incident"("id") ON DELETE RESTRICT ON UPDATE CASCADE
);
CREATE UNIQUE INDEX "subject_notice_incident_id_audience_key" ON "subject_notice"("incident_id", "audience");

CREATE TABLE "subject_notice_version" (
    "notice_id" TEXT NOT NULL,
    "version" INTEGER NOT NULL,
    "body_enc" TEXT NOT NULL,
    "author_id" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "subject_notice_version_pkey" PRIMARY KEY ("notice_id", "version"),
    CONSTRAINT "subject_notice_version_notice_id_fkey" FOREIGN KEY ("notice_id") REFERENCES "subject_notice"("id") ON DELETE RESTRICT ON UPDATE CASCADE
);

CREATE TABLE "subject_notice_review" (
    "id" TEXT NOT NULL,
    "notice_id" TEXT NOT NULL,
    "version" INTEGER NOT NULL,
    "reviewer_id" TEXT NOT NULL,
    "decision" TEXT NOT NULL,
    "comment_enc" TEXT,
    "decided_at" TIMESTAMPTZ(3) NOT NULL,
    CONSTRAINT "subject_notice_review_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "subject_notice_review_notice_id_fkey" FOREIGN KEY ("notice_id") REFERENCES "subject_notice"("id") ON DELETE RESTRICT ON UPDATE CASCADE
);
CREATE UNIQUE INDEX "subject_notice_review_notice_id_version_key" ON "subject_notice_review"("notice_id", "version");

CREATE TABLE "subject_notice_batch" (
    "id" TEXT NOT NULL,
    "notice_id" TEXT NOT NULL,
    "version" INTEGER NOT NULL,
    "channel" TEXT NOT NULL,
    "recipients_total" INTEGER NOT NULL,
    "recipients_notified" INTEGER NOT NULL,
    "public_reason_enc" TEXT,
    "note_enc" TEXT,
    "recorded_by_id" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "subject_notice_batch_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "subject_notice_batch_notice_id_fkey" FOREIGN KEY ("notice_id") REFERENCES "subject_notice"("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "subject_notice_batch_counts_check" CHECK ("recipients_total" > 0 AND "recipients_notified" >= 0 AND "recipients_notified" <= "recipients_total"),
    CONSTRAINT "subject_notice_batch_public_reason_check" CHECK ("channel" <> 'public' OR "public_reason_enc" IS NOT NULL)
);
CREATE INDEX "subject_notice_batch_notice_id_idx" ON "subject_notice_batch"("notice_id");
