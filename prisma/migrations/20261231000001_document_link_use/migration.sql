-- Download links are single-use: the first download of a link records its id here, in the same transaction as the
-- download's timeline entry, and any later use of the same link is refused (src/web/documents.ts). Ids and the
-- client's address only, no document content. No foreign key to the incident, so that destroying an incident at the
-- end of its retention period is not held up by these rows (they go with it).
-- Hand-written to match prisma/schema.prisma (see docs/database.md).
CREATE TABLE "document_link_use" (
    "link_id" TEXT NOT NULL,
    "incident_id" TEXT NOT NULL,
    "person_id" TEXT NOT NULL,
    "used_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "client_address" TEXT,
    CONSTRAINT "document_link_use_pkey" PRIMARY KEY ("link_id")
);
CREATE INDEX "document_link_use_incident_id_idx" ON "document_link_use"("incident_id");
