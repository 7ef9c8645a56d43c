-- The evidence package: a ZIP with the report, one CSV per section, the catalog in force, the
-- audit chain head, the control mapping and a manifest of SHA-256 hashes.
ALTER TYPE "ReportFormat" ADD VALUE 'evidence';
