-- `GET applications` pages by `skip`: each app gets its place in its seller's list
-- (1, 2, 3, … in creation order) so a page is an index seek instead of a walk past `skip`
-- entries, and each seller's count is kept for `totalCount` instead of counted per page.
-- Both are kept by the trigger below, whichever statement inserts the app. Apps are never
-- deleted (neither API has a call for it), so places stay dense.
CREATE TABLE application_counts (
    seller_id TEXT PRIMARY KEY,
    n         INTEGER NOT NULL
) WITHOUT ROWID;

-- NULL only between an app's insert and its trigger.
ALTER TABLE applications ADD COLUMN position INTEGER;

UPDATE applications SET position = ranked.position
FROM (SELECT rowid AS row_id,
             row_number() OVER (PARTITION BY seller_id ORDER BY seq) AS position
      FROM applications) AS ranked
WHERE applications.rowid = ranked.row_id;

INSERT INTO application_counts (seller_id, n)
    SELECT seller_id, count(*) FROM applications GROUP BY seller_id;

CREATE UNIQUE INDEX applications_by_position ON applications (seller_id, position);

-- An upsert that updates an existing app fires no INSERT trigger.
CREATE TRIGGER applications_numbered AFTER INSERT ON applications
BEGIN
    INSERT INTO application_counts (seller_id, n) VALUES (NEW.seller_id, 1)
        ON CONFLICT (seller_id) DO UPDATE SET n = n + 1;
    UPDATE applications
        SET position = (SELECT n FROM application_counts WHERE seller_id = NEW.seller_id)
        WHERE rowid = NEW.rowid;
END;
