-- Progress the lead and cooperating units record on their tasks: quantities toward a target
-- (scaled by 10^4), per recipient area where the target is per area, with a note.
CREATE TABLE task_progress (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    task_code       TEXT NOT NULL REFERENCES tasks (code),
    target_seq      INTEGER NOT NULL,
    unit_code       TEXT NOT NULL REFERENCES units (code),
    cooperating     BOOLEAN NOT NULL,
    period_code     TEXT NOT NULL REFERENCES periods (code),
    area_code       TEXT REFERENCES areas (code),
    quantity_scaled BIGINT NOT NULL,
    note            TEXT NOT NULL DEFAULT '',
    recorded_by     TEXT NOT NULL,
    recorded_at     TIMESTAMPTZ NOT NULL,
    FOREIGN KEY (task_code, target_seq) REFERENCES targets (task_code, seq)
);
CREATE INDEX task_progress_task ON task_progress (task_code);
