-- AlterTable
ALTER TABLE "accounts" ADD COLUMN     "domain" VARCHAR(100),
ADD COLUMN     "limits" JSONB NOT NULL DEFAULT '{}',
ADD COLUMN     "support_email" VARCHAR(255);

-- AlterTable
ALTER TABLE "users" ADD COLUMN     "encrypted_password" VARCHAR(255);

-- CreateTable
CREATE TABLE "user_login_tokens" (
    "id" SERIAL NOT NULL,
    "user_id" INTEGER NOT NULL,
    "digest" VARCHAR(64) NOT NULL,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "user_login_tokens_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "user_login_tokens_digest_key" ON "user_login_tokens"("digest");

-- CreateIndex
CREATE INDEX "user_login_tokens_user_id_idx" ON "user_login_tokens"("user_id");

-- AddForeignKey
ALTER TABLE "user_login_tokens" ADD CONSTRAINT "user_login_tokens_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;
