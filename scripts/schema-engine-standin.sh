#!/bin/sh
# Stand-in for Prisma's native schema engine on machines that cannot download it (no internet but the npm registry).
# `prisma generate` only checks that the engine path exists; anything that really needs the engine fails clearly here.
echo "prisma schema engine is not installed on this machine: migrations are applied by 'npm run db:migrate' instead" >&2
exit 1
