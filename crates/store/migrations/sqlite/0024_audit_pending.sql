-- Audit entries waiting to be chained. Under `serve` on PostgreSQL an audited transaction writes
-- its entries here, each with a MAC under the audit key over a random nonce and its content, and
-- commits without taking the chain's end; one sealer per server chains them into audit_log in
-- batches under the end's row lock and deletes them. audit_log keeps each sealed entry's nonce,
-- so a copied pending row cannot be sealed twice.
CREATE TABLE audit_pending (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    nonce       TEXT NOT NULL UNIQUE,
    occurred_at TEXT NOT NULL,
    actor       TEXT NOT NULL,
    address     TEXT NOT NULL,
    action      TEXT NOT NULL,
    entity      TEXT NOT NULL,
    entity_key  TEXT NOT NULL,
    old_value   TEXT,
    new_value   TEXT,
    reason      TEXT,
    mac         TEXT NOT NULL
);
ALTER TABLE audit_log ADD COLUMN nonce TEXT;
CREATE UNIQUE INDEX audit_log_nonce ON audit_log (nonce);
