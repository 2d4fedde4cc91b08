-- Journal bodies of 256 bytes or more are stored once, named by their SHA-256, and the
-- entries that carry them refer to them: a polled resource answers the same body thousands
-- of times a second. `last_entry` is the newest entry referring to a body, which goes once
-- the journal is trimmed past it. Entries stored before keep their bodies in `doc`.
CREATE TABLE journal_bodies (
    hash       TEXT PRIMARY KEY,
    body       TEXT NOT NULL,
    last_entry BIGINT NOT NULL
);
CREATE INDEX journal_bodies_by_last_entry ON journal_bodies (last_entry);
ALTER TABLE journal ADD COLUMN request_body_ref TEXT;
ALTER TABLE journal ADD COLUMN response_body_ref TEXT;
