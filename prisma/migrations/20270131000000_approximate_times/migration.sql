-- Times the reporter gave as an approximate reading (「昨天下午」), so cards and signed documents say 「左右」.
ALTER TABLE "incident" ADD COLUMN "approximate_times" TEXT[] NOT NULL DEFAULT ARRAY[]::TEXT[];
