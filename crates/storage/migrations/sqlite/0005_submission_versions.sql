-- Optimistic concurrency: every write of a submission bumps its version, and a transaction
-- that read a submission writes it back only if the version is still the one it read.
ALTER TABLE submissions ADD COLUMN version INTEGER NOT NULL DEFAULT 0;
