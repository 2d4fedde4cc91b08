-- The keys (client secrets) of Azure AD applications, several per application, each a JSON
-- document holding the secret's SHA-256, never the secret. `client_id` is the client's id
-- as stored in `clients`. A deleted key is deleted: nothing answers for it any more.
CREATE TABLE client_keys (
    key_id     TEXT PRIMARY KEY,
    client_id  TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    doc        TEXT NOT NULL
);
CREATE INDEX client_keys_by_client ON client_keys (client_id, created_at);
