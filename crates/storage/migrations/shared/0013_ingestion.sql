-- The Partner Center ingestion API (seed 003): offers, each one JSON document holding its
-- setup, plans, draft instances and files, and their submissions, each holding the
-- instances it froze. Their workflow jobs live in `jobs` on queue 'ingestion'.
CREATE TABLE ingestion_offers (
    id            TEXT PRIMARY KEY,
    seller_id     TEXT NOT NULL,
    position      BIGINT NOT NULL,
    offer_key     TEXT NOT NULL,
    resource_type TEXT NOT NULL,
    doc           TEXT NOT NULL,
    version       BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX ingestion_offers_by_position ON ingestion_offers (position);
CREATE INDEX ingestion_offers_by_seller ON ingestion_offers (seller_id, position);
CREATE UNIQUE INDEX ingestion_offers_by_key ON ingestion_offers (seller_id, offer_key);

CREATE TABLE ingestion_submissions (
    id         TEXT PRIMARY KEY,
    product_id TEXT NOT NULL,
    number     BIGINT NOT NULL,
    doc        TEXT NOT NULL,
    version    BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX ingestion_submissions_by_product ON ingestion_submissions (product_id, number);
CREATE INDEX ingestion_submissions_by_number ON ingestion_submissions (number);
