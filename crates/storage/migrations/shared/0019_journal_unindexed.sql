-- The journal's secondary indexes go: every entry written and trimmed paid for each of
-- them, and no read used them. The page query filters by client with `$3 IS NULL OR
-- client_id = $3`, which neither SQLite nor a generic PostgreSQL plan answers from an
-- index, and the size bound is now found by walking the oldest ids (`bytes_before` rises
-- with `id`), which visits only the entries being trimmed.
DROP INDEX IF EXISTS journal_by_client;
DROP INDEX IF EXISTS journal_by_bytes;
