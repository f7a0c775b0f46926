-- SQLite: dates and timestamps are ISO 8601 TEXT; ids are rowids.
-- The plan as loaded (one plan per database), accounts, and the audit log.
-- Quantities are BIGINT scaled by 10^4 (see bangfu_domain::quantity) so that SUM is exact.

CREATE TABLE plan_info (
    id              INTEGER PRIMARY KEY CHECK (id = 1),
    code            TEXT NOT NULL,
    title           TEXT NOT NULL,
    document_number TEXT NOT NULL,
    issued_by       TEXT NOT NULL,          -- one issuer per line
    issued_on       TEXT NOT NULL,
    district        TEXT NOT NULL,
    form_title      TEXT NOT NULL,
    coordinator     TEXT NOT NULL,
    start_year      INTEGER NOT NULL,
    end_year        INTEGER NOT NULL,
    first_period    TEXT NOT NULL,
    last_period     TEXT NOT NULL,
    deadline_month  INTEGER NOT NULL,
    deadline_day    INTEGER NOT NULL,
    basis           TEXT NOT NULL,
    source_sha256   TEXT NOT NULL,
    source_text     TEXT NOT NULL,
    loaded_at       TEXT NOT NULL
);

CREATE TABLE measure_units (
    name     TEXT PRIMARY KEY,
    decimals INTEGER NOT NULL,
    seq      INTEGER NOT NULL
);

CREATE TABLE donors (
    code       TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    short_name TEXT,
    seq        INTEGER NOT NULL
);

CREATE TABLE units (
    code   TEXT PRIMARY KEY,
    name   TEXT NOT NULL UNIQUE,
    sort   INTEGER NOT NULL,
    donor  TEXT REFERENCES donors (code),
    seq    INTEGER NOT NULL,
    active BOOLEAN NOT NULL DEFAULT TRUE
);

CREATE TABLE unit_groups (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    seq  INTEGER NOT NULL
);

CREATE TABLE group_members (
    group_code TEXT NOT NULL REFERENCES unit_groups (code),
    unit_code  TEXT NOT NULL REFERENCES units (code),
    seq        INTEGER NOT NULL,
    PRIMARY KEY (group_code, unit_code)
);

-- Aliases of units and groups (they share one code namespace).
CREATE TABLE party_aliases (
    party_code TEXT NOT NULL,
    alias      TEXT NOT NULL UNIQUE,
    seq        INTEGER NOT NULL
);

CREATE TABLE areas (
    code        TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    short_name  TEXT,
    area_level  TEXT NOT NULL,
    parent_code TEXT REFERENCES areas (code),
    seq         INTEGER NOT NULL
);

CREATE TABLE pairing_kinds (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    seq  INTEGER NOT NULL
);

CREATE TABLE pairings (
    seq        INTEGER PRIMARY KEY,
    donor_code TEXT NOT NULL,
    area_code  TEXT NOT NULL REFERENCES areas (code),
    kind_code  TEXT NOT NULL REFERENCES pairing_kinds (code),
    note       TEXT
);

CREATE TABLE sections (
    code        TEXT PRIMARY KEY,
    numbering   TEXT NOT NULL,
    title       TEXT NOT NULL,
    parent_code TEXT REFERENCES sections (code),
    seq         INTEGER NOT NULL
);

CREATE TABLE section_areas (
    section_code TEXT NOT NULL REFERENCES sections (code),
    area_code    TEXT NOT NULL REFERENCES areas (code),
    seq          INTEGER NOT NULL,
    PRIMARY KEY (section_code, area_code)
);

CREATE TABLE tasks (
    code            TEXT PRIMARY KEY,
    section_code    TEXT NOT NULL REFERENCES sections (code),
    title           TEXT NOT NULL,
    body            TEXT NOT NULL,
    recipient_leads BOOLEAN NOT NULL,
    seq             INTEGER NOT NULL
);

CREATE TABLE task_areas (
    task_code TEXT NOT NULL REFERENCES tasks (code),
    area_code TEXT NOT NULL REFERENCES areas (code),
    seq       INTEGER NOT NULL,
    PRIMARY KEY (task_code, area_code)
);

-- role: 'lead' (牵头部门) or 'cooperating' (配合部门); party_code names a unit or a group.
CREATE TABLE task_parties (
    task_code  TEXT NOT NULL REFERENCES tasks (code),
    party_code TEXT NOT NULL,
    party_role TEXT NOT NULL CHECK (party_role IN ('lead', 'cooperating')),
    seq        INTEGER NOT NULL,
    PRIMARY KEY (task_code, party_code, party_role)
);

CREATE TABLE form_cells (
    code TEXT PRIMARY KEY,
    body TEXT NOT NULL,
    seq  INTEGER NOT NULL
);

CREATE TABLE cell_parties (
    cell_code  TEXT NOT NULL REFERENCES form_cells (code),
    party_code TEXT NOT NULL,
    seq        INTEGER NOT NULL,
    PRIMARY KEY (cell_code, party_code)
);

CREATE TABLE indicators (
    code           TEXT PRIMARY KEY,
    numbering      TEXT NOT NULL,
    name           TEXT NOT NULL,
    unit           TEXT REFERENCES measure_units (name),
    parent_code    TEXT REFERENCES indicators (code),
    of_which       BOOLEAN NOT NULL,
    district_fills BOOLEAN NOT NULL,
    cell_code      TEXT REFERENCES form_cells (code),
    seq            INTEGER NOT NULL
);

CREATE TABLE targets (
    task_code       TEXT NOT NULL REFERENCES tasks (code),
    seq             INTEGER NOT NULL,
    description     TEXT NOT NULL,
    quantity_scaled BIGINT NOT NULL,
    unit            TEXT NOT NULL REFERENCES measure_units (name),
    calendar        TEXT NOT NULL,
    comparison      TEXT NOT NULL,
    per_area        BOOLEAN NOT NULL,
    indicator_code  TEXT REFERENCES indicators (code),
    PRIMARY KEY (task_code, seq)
);

CREATE TABLE target_areas (
    task_code  TEXT NOT NULL,
    target_seq INTEGER NOT NULL,
    area_code  TEXT NOT NULL REFERENCES areas (code),
    seq        INTEGER NOT NULL,
    PRIMARY KEY (task_code, target_seq, area_code),
    FOREIGN KEY (task_code, target_seq) REFERENCES targets (task_code, seq)
);

CREATE TABLE rules (
    seq       INTEGER PRIMARY KEY,
    kind      TEXT NOT NULL CHECK (kind IN ('sum', 'at_most')),
    left_code TEXT NOT NULL REFERENCES indicators (code)
);

CREATE TABLE rule_terms (
    rule_seq       INTEGER NOT NULL REFERENCES rules (seq),
    indicator_code TEXT NOT NULL REFERENCES indicators (code),
    seq            INTEGER NOT NULL,
    PRIMARY KEY (rule_seq, seq)
);

CREATE TABLE periods (
    code      TEXT PRIMARY KEY,
    year      INTEGER NOT NULL,
    quarter   INTEGER NOT NULL,
    starts_on TEXT NOT NULL,
    ends_on   TEXT NOT NULL,
    deadline  TEXT NOT NULL
);

CREATE TABLE users (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    login         TEXT NOT NULL UNIQUE,
    display_name  TEXT NOT NULL,
    role          TEXT NOT NULL,
    unit_code     TEXT REFERENCES units (code),
    phone         TEXT NOT NULL DEFAULT '',
    password_hash TEXT NOT NULL,
    active        BOOLEAN NOT NULL DEFAULT TRUE,
    created_at    TEXT NOT NULL
);

-- Append-only: no code path updates or deletes rows of this table.
CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    occurred_at TEXT NOT NULL,
    actor       TEXT NOT NULL,
    address     TEXT NOT NULL DEFAULT '',
    action      TEXT NOT NULL,
    entity      TEXT NOT NULL,
    entity_key  TEXT NOT NULL,
    old_value   TEXT,
    new_value   TEXT,
    reason      TEXT
);
CREATE INDEX audit_log_entity ON audit_log (entity, entity_key);
