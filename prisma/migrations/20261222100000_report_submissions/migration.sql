-- The day each report left the school (issue #7): the 3-day report to the competent authority, the 1-month closure
-- report and the cyber-incident investigation report. Recorded by the contact window from the chat; recording one
-- also ticks the checklist item that completes its clock, so the reminders stop. Hand-written to match
-- prisma/schema.prisma (see docs/database.md).
ALTER TABLE "incident" ADD COLUMN "bureau_submitted_at" TIMESTAMPTZ(3);
ALTER TABLE "incident" ADD COLUMN "closure_submitted_at" TIMESTAMPTZ(3);
ALTER TABLE "incident" ADD COLUMN "cyber_submitted_at" TIMESTAMPTZ(3);
