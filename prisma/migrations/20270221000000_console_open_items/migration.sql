-- The console's list (src/web/console, issue #18) shows the school's open checklist items, planned day first, then in
-- playbook order (src/storage/console.ts openItems). Without an index every open item of every open incident was read
-- and sorted for twelve rows (~100 ms with 1,000 incidents on the embedded engine); in this order the first twelve
-- of the school's open incidents are found by walking the index.
-- Hand-written to match prisma/schema.prisma (see docs/database.md).
CREATE INDEX "checklist_item_state_planned_on_position_idx" ON "checklist_item"("state", "planned_on", "position");
