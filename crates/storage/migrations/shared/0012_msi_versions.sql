-- Optimistic concurrency on MSI products and submissions, as on devcenter submissions
-- (0005): every write bumps the version, and a transaction writes a record it read back
-- only over the version it read.
ALTER TABLE msi_products ADD COLUMN version BIGINT NOT NULL DEFAULT 0;
ALTER TABLE msi_submissions ADD COLUMN version BIGINT NOT NULL DEFAULT 0;
