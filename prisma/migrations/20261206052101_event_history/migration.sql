-- AlterTable: the events already there numbered 1, 2, 3… per account in id order (hand-written).
ALTER TABLE "events" ADD COLUMN     "seq" BIGINT;
UPDATE "events" SET "seq" = numbered."seq"
FROM (SELECT "id", row_number() OVER (PARTITION BY "account_id" ORDER BY "id") AS "seq" FROM "events") AS numbered
WHERE "events"."id" = numbered."id";

-- CreateTable
CREATE TABLE "event_sequences" (
    "account_id" INTEGER NOT NULL,
    "last_seq" BIGINT NOT NULL,

    CONSTRAINT "event_sequences_pkey" PRIMARY KEY ("account_id")
);

-- CreateTable
CREATE TABLE "event_history" (
    "id" INTEGER NOT NULL DEFAULT 1,
    "epoch" VARCHAR(64) NOT NULL,

    CONSTRAINT "event_history_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "events_created_at_idx" ON "events"("created_at");

-- CreateIndex
CREATE UNIQUE INDEX "events_account_id_seq_key" ON "events"("account_id", "seq");

-- The last number of each account that has events (hand-written).
INSERT INTO "event_sequences" ("account_id", "last_seq")
SELECT "account_id", max("seq") FROM "events" GROUP BY "account_id";

-- AddForeignKey
ALTER TABLE "event_sequences" ADD CONSTRAINT "event_sequences_account_id_fkey" FOREIGN KEY ("account_id") REFERENCES "accounts"("id") ON DELETE CASCADE ON UPDATE CASCADE;
