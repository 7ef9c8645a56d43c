-- An ingestion where some account-Regions were read and others refused (a member role that cannot
-- be assumed, say) is partial, as a sync run is: not failed.
ALTER TYPE "IngestionStatus" ADD VALUE IF NOT EXISTS 'partial' BEFORE 'failed';
