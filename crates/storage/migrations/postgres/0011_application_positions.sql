-- `GET applications` pages by `skip`: each app gets its place in its seller's list
-- (1, 2, 3, … in creation order) so a page is an index seek instead of a walk past `skip`
-- entries, and each seller's count is kept for `totalCount` instead of counted per page.
-- Both are kept by the trigger below, whichever statement inserts the app. Apps are never
-- deleted (neither API has a call for it), so places stay dense; the count row's lock
-- orders concurrent inserts of one seller.
CREATE TABLE application_counts (
    seller_id TEXT PRIMARY KEY,
    n         BIGINT NOT NULL
);

-- NULL only until the statement that inserts the app ends (AFTER ROW triggers run then).
ALTER TABLE applications ADD COLUMN position BIGINT;

UPDATE applications SET position = ranked.position
FROM (SELECT id, row_number() OVER (PARTITION BY seller_id ORDER BY seq) AS position
      FROM applications) AS ranked
WHERE applications.id = ranked.id;

INSERT INTO application_counts (seller_id, n)
    SELECT seller_id, count(*) FROM applications GROUP BY seller_id;

CREATE UNIQUE INDEX applications_by_position ON applications (seller_id, position);

-- AFTER INSERT: an upsert that updates an existing app fires no INSERT trigger (a BEFORE
-- INSERT trigger would fire for it too).
CREATE FUNCTION number_application() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    place BIGINT;
BEGIN
    INSERT INTO application_counts AS counts (seller_id, n) VALUES (NEW.seller_id, 1)
        ON CONFLICT (seller_id) DO UPDATE SET n = counts.n + 1
        RETURNING n INTO place;
    UPDATE applications SET position = place WHERE id = NEW.id;
    RETURN NULL;
END
$$;

CREATE TRIGGER applications_numbered AFTER INSERT ON applications
    FOR EACH ROW EXECUTE FUNCTION number_application();
