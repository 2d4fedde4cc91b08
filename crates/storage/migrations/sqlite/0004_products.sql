-- Submissions belong to apps, flights or add-ons.
ALTER TABLE submissions RENAME COLUMN application_id TO product_id;
ALTER TABLE submissions ADD COLUMN product_kind TEXT NOT NULL DEFAULT 'Application';
DROP INDEX submissions_by_application;
CREATE INDEX submissions_by_product ON submissions (product_id);

CREATE TABLE flights (
    id     TEXT PRIMARY KEY,
    app_id TEXT NOT NULL,
    seq    INTEGER NOT NULL,
    doc    TEXT NOT NULL
);
CREATE INDEX flights_by_app ON flights (app_id, seq);

CREATE TABLE in_app_products (
    id         TEXT PRIMARY KEY,
    seller_id  TEXT NOT NULL,
    product_id TEXT NOT NULL,
    seq        INTEGER NOT NULL,
    doc        TEXT NOT NULL,
    UNIQUE (seller_id, product_id)
);

CREATE TABLE flight_groups (
    id  TEXT PRIMARY KEY,
    doc TEXT NOT NULL
);
