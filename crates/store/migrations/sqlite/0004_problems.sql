-- Problems raised in the work (工作中出现的问题), tracked to resolution.
CREATE TABLE problems (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    description TEXT NOT NULL,
    unit_code   TEXT NOT NULL REFERENCES units (code),
    task_code   TEXT REFERENCES tasks (code),
    area_code   TEXT REFERENCES areas (code),
    source      TEXT NOT NULL DEFAULT '',
    raised_on   TEXT NOT NULL,
    raised_by   TEXT NOT NULL,
    owner       TEXT NOT NULL DEFAULT '',
    due_on      TEXT,
    status      TEXT NOT NULL CHECK (status IN ('open', 'in_progress', 'resolved')),
    resolution  TEXT NOT NULL DEFAULT '',
    updated_at  TEXT NOT NULL
);
CREATE INDEX problems_unit ON problems (unit_code);
