-- MSI/EXE products (seed 001) and their submissions: JSON documents of the domain's types.
-- Their jobs live in `jobs` on queue 'msi'.
CREATE TABLE msi_products (
    id        TEXT PRIMARY KEY,
    seller_id TEXT NOT NULL,
    seq       INTEGER NOT NULL,
    doc       TEXT NOT NULL
);
CREATE INDEX msi_products_by_seller ON msi_products (seller_id, seq);

CREATE TABLE msi_submissions (
    id         TEXT PRIMARY KEY,
    product_id TEXT NOT NULL,
    status     TEXT NOT NULL,
    doc        TEXT NOT NULL
);
CREATE INDEX msi_submissions_by_product ON msi_submissions (product_id);
