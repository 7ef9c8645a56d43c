-- AlterTable
ALTER TABLE "accounts" ADD COLUMN     "management" BOOLEAN NOT NULL DEFAULT false;

