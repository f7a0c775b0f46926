-- Uploaded spreadsheets waiting for their preview to be confirmed. In the database (not one
-- server's memory) so that the confirmation may land on any of several servers. Transient: rows
-- are taken on confirmation and dropped after half an hour.
CREATE TABLE pending_imports (
    token_hash TEXT PRIMARY KEY,
    owner      TEXT NOT NULL,
    period     TEXT NOT NULL,
    unit       TEXT NOT NULL,
    file_name  TEXT NOT NULL,
    content    BYTEA NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX pending_imports_created ON pending_imports (created_at);
