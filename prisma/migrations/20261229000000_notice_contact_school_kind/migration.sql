-- Notices to the people affected must say how to reach the school (個人資料保護法第12條, 施行細則第22條: an inquiry
-- channel): the school's e-mail beside its telephone, and a work e-mail per person (the contact window's office
-- address). The school's kind (public / private) decides which rules bind it (playbooks/clocks.yaml profiles).
-- All set from the roster file (src/core/people/roster.ts). Staff contact details only: no incident data.
-- Hand-written to match prisma/schema.prisma (see docs/database.md).
ALTER TABLE "school" ADD COLUMN "contact_email" TEXT;
ALTER TABLE "school" ADD COLUMN "kind" TEXT;
ALTER TABLE "person" ADD COLUMN "email" TEXT;
