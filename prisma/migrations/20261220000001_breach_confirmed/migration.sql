-- When the breach was ascertained (查明): the first impact assessment, or the move to the notifying stage, whichever
-- came first. Starts the subjects-notify duty (個資法第12條; legal-rules.md §1).
ALTER TABLE "incident" ADD COLUMN "breach_confirmed_at" TIMESTAMPTZ(3);
