-- The quarterly reporting cycle: sessions, API tokens, reports, their values, events and evidence.

CREATE TABLE sessions (
    id_hash      TEXT PRIMARY KEY,        -- sha256 of the cookie value; the value itself is never stored
    user_id      BIGINT NOT NULL REFERENCES users (id),
    csrf_token   TEXT NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    last_seen_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE api_tokens (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id    BIGINT NOT NULL REFERENCES users (id),
    token_hash TEXT NOT NULL UNIQUE,
    label      TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    revoked_at TIMESTAMPTZ
);

CREATE TABLE reports (
    id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    period_code    TEXT NOT NULL REFERENCES periods (code),
    unit_code      TEXT NOT NULL REFERENCES units (code),
    status         TEXT NOT NULL CHECK (status IN ('draft', 'submitted', 'returned', 'approved')),
    version        BIGINT NOT NULL,
    submitted_at   TIMESTAMPTZ,
    late           BOOLEAN NOT NULL DEFAULT FALSE,
    reporter_name  TEXT NOT NULL DEFAULT '',
    reporter_phone TEXT NOT NULL DEFAULT '',
    progress       TEXT NOT NULL DEFAULT '',
    problems       TEXT NOT NULL DEFAULT '',
    next_steps     TEXT NOT NULL DEFAULT '',
    created_at     TIMESTAMPTZ NOT NULL,
    updated_at     TIMESTAMPTZ NOT NULL,
    UNIQUE (period_code, unit_code)
);

CREATE TABLE report_values (
    report_id      BIGINT NOT NULL REFERENCES reports (id),
    indicator_code TEXT NOT NULL REFERENCES indicators (code),
    value_scaled   BIGINT,
    comment        TEXT NOT NULL DEFAULT '',
    updated_at     TIMESTAMPTZ NOT NULL,
    updated_by     TEXT NOT NULL,
    PRIMARY KEY (report_id, indicator_code)
);
CREATE INDEX report_values_indicator ON report_values (indicator_code);

CREATE TABLE report_events (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    report_id   BIGINT NOT NULL REFERENCES reports (id),
    occurred_at TIMESTAMPTZ NOT NULL,
    actor       TEXT NOT NULL,
    action      TEXT NOT NULL,
    from_status TEXT NOT NULL,
    to_status   TEXT NOT NULL,
    reason      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX report_events_report ON report_events (report_id);

CREATE TABLE evidence_files (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    report_id    BIGINT NOT NULL REFERENCES reports (id),
    file_name    TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size_bytes   BIGINT NOT NULL,
    sha256       TEXT NOT NULL,
    content      BYTEA NOT NULL,
    uploaded_by  TEXT NOT NULL,
    uploaded_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX evidence_files_report ON evidence_files (report_id);
