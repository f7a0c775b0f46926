-- Evidence files (佐证材料) units attach to their progress on a task.
CREATE TABLE task_evidence (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    task_code    TEXT NOT NULL REFERENCES tasks (code),
    unit_code    TEXT NOT NULL REFERENCES units (code),
    file_name    TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size_bytes   BIGINT NOT NULL,
    sha256       TEXT NOT NULL,
    content      BYTEA NOT NULL,
    uploaded_by  TEXT NOT NULL,
    uploaded_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX task_evidence_task ON task_evidence (task_code);
