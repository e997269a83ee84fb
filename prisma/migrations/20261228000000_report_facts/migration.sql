-- Facts the reports to the authority state (issue #13, "documents that state facts, not clicks"):
-- the reporter's head-count estimate in words (seed 004 pt. 45: at least an initial estimate, or how it is being found
-- out), encrypted like the other free text of the report;
ALTER TABLE "incident" ADD COLUMN "affected_estimate_text_enc" TEXT;
-- the cybersecurity incident level decided by IT (資通安全事件通報應變及演練辦法第2條), printed in the cyber report and
-- used by the cyber-recover clock (72 h for levels 1–2, 36 h for 3–4);
ALTER TABLE "incident" ADD COLUMN "cyber_level" INTEGER;
ALTER TABLE "incident" ADD CONSTRAINT "incident_cyber_level_check" CHECK ("cyber_level" IS NULL OR "cyber_level" BETWEEN 1 AND 4);
-- for improvement and repair measures, the scheduled completion day and how far along the measure is, so that the
-- closure and cyber reports print plan, schedule and state separately (never the tick time as the schedule);
ALTER TABLE "checklist_item" ADD COLUMN "planned_on" TIMESTAMPTZ(3);
ALTER TABLE "checklist_item" ADD COLUMN "plan_state" TEXT;
ALTER TABLE "checklist_item" ADD CONSTRAINT "checklist_item_plan_state_check" CHECK ("plan_state" IS NULL OR "plan_state" IN ('todo', 'doing', 'done'));
-- and why a report went in after its deadline (遲延原因), encrypted.
ALTER TABLE "checklist_item" ADD COLUMN "delay_reason_enc" TEXT;
-- Hand-written to match prisma/schema.prisma (see docs/database.md).
