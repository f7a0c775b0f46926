-- Evidence files (佐证材料) on register entries: the agreement, the list of attendees, the receipt
-- behind one entry. Kept with the entry (entries are voided, never deleted).
CREATE TABLE registry_evidence (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    entry_id     BIGINT NOT NULL REFERENCES registry_entries (id),
    file_name    TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size_bytes   BIGINT NOT NULL,
    sha256       TEXT NOT NULL,
    content      BYTEA NOT NULL,
    uploaded_by  TEXT NOT NULL,
    uploaded_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX registry_evidence_entry ON registry_evidence (entry_id);
