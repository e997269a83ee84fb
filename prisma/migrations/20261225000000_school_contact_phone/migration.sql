-- The school's contact telephone for the reports to the authority (the 聯絡電話 line of the 3-day bureau report, the
-- closure report and the cyber report). It is the office number of the 個資聯絡窗口 as the school publishes it (an
-- extension, not a person's mobile), set from the roster file (`npm run people -- import`, docs/people.md).
-- Hand-written to match prisma/schema.prisma (see docs/database.md).
ALTER TABLE "school" ADD COLUMN "contact_phone" TEXT;
