-- AlterTable
ALTER TABLE "messages" ADD COLUMN     "echo_id" VARCHAR(255);
