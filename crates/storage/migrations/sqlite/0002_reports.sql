-- Certification reports, served at the reportUrl of statusDetails.certificationReports.
CREATE TABLE reports (
    id            TEXT PRIMARY KEY,
    submission_id TEXT NOT NULL,
    created_at    INTEGER NOT NULL,
    doc           TEXT NOT NULL
);
CREATE INDEX reports_by_submission ON reports (submission_id);
