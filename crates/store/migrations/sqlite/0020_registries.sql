-- Registers (台账): the plan's declarations (JSON, like the dashboard's), the units' entries and
-- their values, one row per filled field: text as shown, and the date or the scaled number behind
-- it, so that the figures of the form are counted and summed exactly by SQL on both backends.
ALTER TABLE plan_info ADD COLUMN registries_config TEXT;
-- A target measured by a register: the measure as JSON.
ALTER TABLE targets ADD COLUMN registry_measure TEXT;

CREATE TABLE registry_entries (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    registry_code TEXT NOT NULL,
    unit_code     TEXT NOT NULL REFERENCES units (code),
    version       BIGINT NOT NULL DEFAULT 1,
    created_by    TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    updated_by    TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    voided_by     TEXT,
    voided_at     TEXT,
    void_reason   TEXT NOT NULL DEFAULT ''
);
CREATE INDEX registry_entries_unit ON registry_entries (registry_code, unit_code);

CREATE TABLE registry_values (
    entry_id      BIGINT NOT NULL REFERENCES registry_entries (id),
    field_code    TEXT NOT NULL,
    text_value    TEXT NOT NULL,
    date_value    TEXT,
    number_scaled BIGINT,
    PRIMARY KEY (entry_id, field_code)
);
CREATE INDEX registry_values_field ON registry_values (field_code, text_value);
