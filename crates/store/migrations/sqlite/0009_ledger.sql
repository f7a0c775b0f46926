-- The funds ledger (资金台账): budgets, aid projects (援建项目), their documents, the transactions
-- that move the money, and audit findings (审计意见). Amounts are exact 分 in BIGINT.
ALTER TABLE plan_info ADD COLUMN ledger_config TEXT;

-- Updated first by every ledger write: serialises the rule checks of concurrent writers.
CREATE TABLE ledger_lock (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    version BIGINT NOT NULL
);
INSERT INTO ledger_lock (id, version) VALUES (1, 0);

CREATE TABLE budgets (
    year        INTEGER NOT NULL,
    area_code   TEXT NOT NULL REFERENCES areas (code),
    source_code TEXT NOT NULL,
    amount_fen  BIGINT NOT NULL CHECK (amount_fen >= 0),
    poverty_fen BIGINT NOT NULL CHECK (poverty_fen >= 0 AND poverty_fen <= amount_fen),
    note        TEXT NOT NULL DEFAULT '',
    updated_by  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    PRIMARY KEY (year, area_code, source_code)
);

CREATE TABLE projects (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    name           TEXT NOT NULL,
    area_code      TEXT NOT NULL REFERENCES areas (code),
    sector         TEXT NOT NULL,
    unit_code      TEXT NOT NULL REFERENCES units (code),
    poverty_relief BOOLEAN NOT NULL,
    planned_start  TEXT,
    planned_finish TEXT,
    actual_start   TEXT,
    actual_finish  TEXT,
    status         TEXT NOT NULL CHECK (status IN ('planned', 'in_progress', 'completed', 'accepted')),
    beneficiaries  BIGINT NOT NULL CHECK (beneficiaries >= 0),
    task_codes     TEXT NOT NULL DEFAULT '',
    note           TEXT NOT NULL DEFAULT '',
    updated_by     TEXT NOT NULL,
    updated_at     TEXT NOT NULL
);

CREATE TABLE project_amounts (
    project_id  BIGINT NOT NULL REFERENCES projects (id),
    source_code TEXT NOT NULL,
    amount_fen  BIGINT NOT NULL CHECK (amount_fen >= 0),
    PRIMARY KEY (project_id, source_code)
);

CREATE TABLE ledger_transactions (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    kind            TEXT NOT NULL CHECK (kind IN ('allocation', 'disbursement', 'expenditure', 'return')),
    tx_date         TEXT NOT NULL,
    amount_fen      BIGINT NOT NULL CHECK (amount_fen > 0),
    source_code     TEXT NOT NULL,
    project_id      BIGINT NOT NULL REFERENCES projects (id),
    voucher         TEXT NOT NULL DEFAULT '',
    note            TEXT NOT NULL DEFAULT '',
    reverses        BIGINT UNIQUE REFERENCES ledger_transactions (id),
    override_reason TEXT,
    recorded_by     TEXT NOT NULL,
    recorded_at     TEXT NOT NULL
);
CREATE INDEX ledger_transactions_project ON ledger_transactions (project_id, source_code);

-- Recorded transactions are corrected by reversing entries, never edited or deleted.
CREATE TRIGGER ledger_transactions_no_update BEFORE UPDATE ON ledger_transactions
BEGIN
    SELECT RAISE(ABORT, 'ledger transactions are append-only');
END;
CREATE TRIGGER ledger_transactions_no_delete BEFORE DELETE ON ledger_transactions
BEGIN
    SELECT RAISE(ABORT, 'ledger transactions are append-only');
END;

CREATE TABLE project_documents (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id   BIGINT NOT NULL REFERENCES projects (id),
    kind         TEXT NOT NULL CHECK (kind IN ('approval', 'contract', 'acceptance', 'other')),
    file_name    TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size_bytes   BIGINT NOT NULL,
    sha256       TEXT NOT NULL,
    content      BLOB NOT NULL,
    uploaded_by  TEXT NOT NULL,
    uploaded_at  TEXT NOT NULL
);
CREATE INDEX project_documents_project ON project_documents (project_id);

CREATE TABLE ledger_findings (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id     BIGINT NOT NULL REFERENCES projects (id),
    transaction_id BIGINT REFERENCES ledger_transactions (id),
    text           TEXT NOT NULL,
    raised_by      TEXT NOT NULL,
    raised_on      TEXT NOT NULL,
    status         TEXT NOT NULL CHECK (status IN ('open', 'answered', 'closed')),
    response       TEXT NOT NULL DEFAULT '',
    responded_by   TEXT
);
CREATE INDEX ledger_findings_project ON ledger_findings (project_id);
