-- Evidence files (佐证材料) units attach to their progress on a task.
CREATE TABLE task_evidence (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    task_code    TEXT NOT NULL REFERENCES tasks (code),
    unit_code    TEXT NOT NULL REFERENCES units (code),
    file_name    TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size_bytes   BIGINT NOT NULL,
    sha256       TEXT NOT NULL,
    content      BLOB NOT NULL,
    uploaded_by  TEXT NOT NULL,
    uploaded_at  TEXT NOT NULL
);
CREATE INDEX task_evidence_task ON task_evidence (task_code);
