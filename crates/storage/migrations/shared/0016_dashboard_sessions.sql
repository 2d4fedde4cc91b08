-- Sessions of the web dashboard (`/dashboard/`), one JSON document each, keyed by the
-- SHA-256 of the token the browser's cookie holds (never the token). Stored here rather
-- than in memory so that they survive a restart and every instance of a shared database
-- honours them. `expires_at` (milliseconds) lets expired ones be removed in one statement.
CREATE TABLE dashboard_sessions (
    token_sha256 TEXT PRIMARY KEY,
    expires_at   BIGINT NOT NULL,
    doc          TEXT NOT NULL
);
CREATE INDEX dashboard_sessions_by_expiry ON dashboard_sessions (expires_at);
