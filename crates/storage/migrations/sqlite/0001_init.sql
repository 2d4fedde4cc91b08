-- Records are JSON documents (the domain's serde types) plus the columns queries need.

CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE tenants (
    id     TEXT PRIMARY KEY,
    domain TEXT NOT NULL UNIQUE COLLATE NOCASE,
    doc    TEXT NOT NULL
);

CREATE TABLE sellers (
    id  TEXT PRIMARY KEY,
    doc TEXT NOT NULL
);

CREATE TABLE clients (
    client_id TEXT PRIMARY KEY COLLATE NOCASE,
    tenant_id TEXT NOT NULL REFERENCES tenants(id),
    doc       TEXT NOT NULL
);

CREATE TABLE applications (
    id        TEXT PRIMARY KEY,
    seller_id TEXT NOT NULL,
    seq       INTEGER NOT NULL,
    doc       TEXT NOT NULL
);
CREATE INDEX applications_by_seller ON applications (seller_id, seq);

CREATE TABLE submissions (
    id             TEXT PRIMARY KEY,
    application_id TEXT NOT NULL,
    status         TEXT NOT NULL,
    doc            TEXT NOT NULL
);
CREATE INDEX submissions_by_application ON submissions (application_id);

-- Pipeline steps waiting to run. Times are Unix milliseconds of the server clock.
CREATE TABLE jobs (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    submission_id TEXT NOT NULL,
    step          TEXT NOT NULL,
    run_at        INTEGER NOT NULL,
    attempts      INTEGER NOT NULL DEFAULT 0,
    lease_owner   TEXT,
    lease_until   INTEGER,
    last_error    TEXT
);
CREATE INDEX jobs_by_due_time ON jobs (run_at);
