-- What the operator's tools keep (issue 12): the request journal, fault rules and the
-- zombie submissions they leave, and snapshots of the catalogue.

-- The journal: one JSON document per request. Ids are given by the flush (max + 1, under
-- the write lock), so that they order entries on every instance of a shared database;
-- `size` is the document's length, which the byte bound sums.
CREATE TABLE journal (
    id        BIGINT PRIMARY KEY,
    at        BIGINT NOT NULL,
    client_id TEXT,
    status    BIGINT NOT NULL,
    size      BIGINT NOT NULL,
    doc       TEXT NOT NULL
);
CREATE INDEX journal_by_client ON journal (client_id, id);

-- Fault rules; `remaining` counts down the uses of a rule created with `times` (-1: a
-- rule without `times`, which applies until deleted).
CREATE TABLE faults (
    id         TEXT PRIMARY KEY,
    created_at BIGINT NOT NULL,
    remaining  BIGINT NOT NULL,
    doc        TEXT NOT NULL
);
CREATE TABLE fault_zombies (
    submission_id TEXT PRIMARY KEY
);

-- Snapshots: one row each, and a copy of every catalogue and account table holding the
-- rows of each snapshot (column `snapshot`). A new column in a copied table needs its
-- column here and in the store's table list (crates/storage/src/sql/opsstate.rs).
CREATE TABLE snapshots (
    name       TEXT PRIMARY KEY,
    created_at BIGINT NOT NULL,
    doc        TEXT NOT NULL
);
CREATE TABLE snapshot_tenants (snapshot TEXT NOT NULL, id TEXT, domain TEXT, doc TEXT);
CREATE TABLE snapshot_sellers (snapshot TEXT NOT NULL, id TEXT, doc TEXT);
CREATE TABLE snapshot_clients (snapshot TEXT NOT NULL, client_id TEXT, tenant_id TEXT, doc TEXT);
CREATE TABLE snapshot_client_keys (
    snapshot TEXT NOT NULL, key_id TEXT, client_id TEXT, created_at BIGINT, doc TEXT
);
CREATE TABLE snapshot_applications (
    snapshot TEXT NOT NULL, id TEXT, seller_id TEXT, seq BIGINT, doc TEXT
);
CREATE TABLE snapshot_submissions (
    snapshot TEXT NOT NULL, id TEXT, product_id TEXT, product_kind TEXT, status TEXT, doc TEXT,
    version BIGINT
);
CREATE TABLE snapshot_jobs (
    snapshot TEXT NOT NULL, queue TEXT, submission_id TEXT, step TEXT, run_at BIGINT,
    attempts BIGINT, last_error TEXT
);
CREATE TABLE snapshot_reports (
    snapshot TEXT NOT NULL, id TEXT, submission_id TEXT, created_at BIGINT, doc TEXT
);
CREATE TABLE snapshot_flights (snapshot TEXT NOT NULL, id TEXT, app_id TEXT, seq BIGINT, doc TEXT);
CREATE TABLE snapshot_in_app_products (
    snapshot TEXT NOT NULL, id TEXT, seller_id TEXT, product_id TEXT, seq BIGINT, doc TEXT
);
CREATE TABLE snapshot_flight_groups (snapshot TEXT NOT NULL, id TEXT, doc TEXT);
CREATE TABLE snapshot_msi_products (
    snapshot TEXT NOT NULL, id TEXT, seller_id TEXT, seq BIGINT, doc TEXT, version BIGINT
);
CREATE TABLE snapshot_msi_submissions (
    snapshot TEXT NOT NULL, id TEXT, product_id TEXT, status TEXT, doc TEXT, version BIGINT
);
CREATE TABLE snapshot_ingestion_offers (
    snapshot TEXT NOT NULL, id TEXT, seller_id TEXT, position BIGINT, offer_key TEXT,
    resource_type TEXT, doc TEXT, version BIGINT
);
CREATE TABLE snapshot_ingestion_submissions (
    snapshot TEXT NOT NULL, id TEXT, product_id TEXT, number BIGINT, doc TEXT, version BIGINT
);
