-- The journal of an SQLite server, keyed by its rowid. `id BIGINT PRIMARY KEY` is not an
-- alias of the rowid in SQLite, so every entry was stored twice (the table, and the index
-- on id) beside its two secondary indexes (dropped too: see shared migration 0019). As
-- `INTEGER PRIMARY KEY` the id is the table's own key: an entry is written, found and
-- trimmed in one B-tree. Rebuilt as SQLite rebuilds a table: copy, drop, rename.
CREATE TABLE journal_by_rowid (
    id                INTEGER PRIMARY KEY,
    at                BIGINT NOT NULL,
    client_id         TEXT,
    status            BIGINT NOT NULL,
    size              BIGINT NOT NULL,
    bytes_before      BIGINT NOT NULL,
    doc               TEXT NOT NULL,
    request_body_ref  TEXT,
    response_body_ref TEXT
);
INSERT INTO journal_by_rowid
    SELECT id, at, client_id, status, size, bytes_before, doc, request_body_ref,
           response_body_ref
    FROM journal;
DROP TABLE journal;
ALTER TABLE journal_by_rowid RENAME TO journal;
