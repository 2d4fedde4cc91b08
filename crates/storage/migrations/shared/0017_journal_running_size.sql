-- Each journal entry records the bytes of every entry stored before it, so that trimming
-- the journal to its size bound is an index range instead of a running sum over the whole
-- journal on every flush. (SQLite servers keep their journal in a file of its own since
-- this version, `migrations/requests`; this table stays part of the shared schema.)
ALTER TABLE journal ADD COLUMN bytes_before BIGINT NOT NULL DEFAULT 0;
UPDATE journal SET bytes_before = sized.running
FROM (SELECT id, coalesce(sum(size) OVER (ORDER BY id ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS running
      FROM journal) AS sized
WHERE journal.id = sized.id;
CREATE INDEX journal_by_bytes ON journal (bytes_before);
