-- The request journal of an SQLite server, in a file of its own beside the database
-- (`storeroom.requests.db` beside `storeroom.db`): its flushes take neither the
-- catalogue's write lock nor move the catalogue's data version. The same table as the
-- shared schema's `journal` (migrations 0015 and 0017), which PostgreSQL servers use.
CREATE TABLE journal (
    id           BIGINT PRIMARY KEY,
    at           BIGINT NOT NULL,
    client_id    TEXT,
    status       BIGINT NOT NULL,
    size         BIGINT NOT NULL,
    -- Bytes of every entry stored before this one since the journal was last emptied:
    -- trimming to a size bound is an index range, not a sum over the journal.
    bytes_before BIGINT NOT NULL,
    doc          TEXT NOT NULL
);
CREATE INDEX journal_by_client ON journal (client_id, id);
CREATE INDEX journal_by_bytes ON journal (bytes_before);
