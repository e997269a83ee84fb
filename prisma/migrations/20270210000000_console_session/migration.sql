-- Sessions of the web console (src/web/console, issue #18). A person signs in with a one-time link asked for in chat
-- (「主控台」); the session is this row, named by the SHA-256 of the secret in the person's cookie (the secret itself is
-- never stored). The sign-in link's id is unique here, so a link signs in once. A session ends after 30 minutes
-- without a page, 12 hours after sign-in, on sign-out (「登出主控台」 ends every session of the person), or when the
-- person may no longer open the console; ended rows are kept with the reason. Ids, times and the client's address
-- only: no incident data. Sign-ins and sign-outs are also on the person's record (person_change, field `console`).
-- Hand-written to match prisma/schema.prisma (see docs/database.md).
CREATE TABLE "console_session" (
    "id" TEXT NOT NULL,
    "person_id" TEXT NOT NULL,
    "school_id" TEXT NOT NULL,
    "link_id" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_seen_at" TIMESTAMPTZ(3) NOT NULL,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    "ended_at" TIMESTAMPTZ(3),
    "ended_reason" TEXT,
    "client_address" TEXT,
    CONSTRAINT "console_session_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "console_session_link_id_key" ON "console_session"("link_id");
CREATE INDEX "console_session_person_id_idx" ON "console_session"("person_id");
ALTER TABLE "console_session" ADD CONSTRAINT "console_session_person_id_fkey" FOREIGN KEY ("person_id") REFERENCES "person"("id") ON DELETE CASCADE ON UPDATE CASCADE;
