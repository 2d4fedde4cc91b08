-- Each surface's worker claims jobs from its own queue.
ALTER TABLE jobs ADD COLUMN queue TEXT NOT NULL DEFAULT 'devcenter';
CREATE INDEX jobs_by_queue ON jobs (queue, run_at);
-- Jobs are deleted per submission (DELETE, has_jobs, make_jobs_due).
CREATE INDEX jobs_by_submission ON jobs (submission_id);
