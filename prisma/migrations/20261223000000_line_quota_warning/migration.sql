-- LINE monthly message quota warnings (issue #3): one row per month and threshold passed, claimed before the contact
-- windows are told, so the warning goes out once even with several instances or after a restart. Hand-written to
-- match prisma/schema.prisma (see docs/database.md).
CREATE TABLE "line_quota_warning" (
    "month" TEXT NOT NULL,
    "threshold" INTEGER NOT NULL,
    "used" INTEGER NOT NULL,
    "quota" INTEGER NOT NULL,
    "warned_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "line_quota_warning_pkey" PRIMARY KEY ("month", "threshold")
);
