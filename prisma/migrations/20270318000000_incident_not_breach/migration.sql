-- A reported incident assessed as not a personal-data breach (a lost item recovered unread, a false alarm), decided
-- by the 管理人 with a reason (src/core/incidents/not-breach.ts). The incident stays on the record; its reason is on
-- the timeline entry. Hand-written to match prisma/schema.prisma (see docs/database.md).
ALTER TABLE "incident" ADD COLUMN "not_breach_at" TIMESTAMPTZ(3);
