-- Each surface's worker claims jobs from its own queue.
ALTER TABLE jobs ADD COLUMN queue TEXT NOT NULL DEFAULT 'devcenter';
CREATE INDEX jobs_by_queue ON jobs (queue, run_at);
