-- A private room per incident (a Slack private channel, a Discord private thread): a conversation with
-- purpose 'incident' bound to the incident it was opened for. Only that incident's details are shown in it.
ALTER TABLE "conversation" ADD COLUMN "incident_id" TEXT;
ALTER TABLE "conversation" ADD CONSTRAINT "conversation_incident_id_fkey" FOREIGN KEY ("incident_id") REFERENCES "incident"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
CREATE INDEX "conversation_incident_id_idx" ON "conversation"("incident_id");
