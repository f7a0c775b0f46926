-- Notifications (issue 16): contacts and channel choices on users, the plan's reminder days, the
-- robots' webhooks, the outbox of messages to deliver with every attempt, and in-app notices.
ALTER TABLE users ADD COLUMN email TEXT NOT NULL DEFAULT '';
-- Comma-separated channels the user wants: app, email, webhook.
ALTER TABLE users ADD COLUMN notify_channels TEXT NOT NULL DEFAULT 'app,email';
-- Days before a deadline on which units without a submitted report are reminded, e.g. '7,2'.
ALTER TABLE plan_info ADD COLUMN reminder_days TEXT;

-- A group robot: scope '*' for every unit, or one unit's code. flavor: wecom (企业微信) or dingtalk (钉钉).
CREATE TABLE notify_webhooks (
    scope      TEXT PRIMARY KEY,
    flavor     TEXT NOT NULL,
    url        TEXT NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);

-- One row per (event, recipient, channel), written in the transaction of the event; the sender
-- claims rows with a lease (times in milliseconds since 1970) so that no two senders deliver one.
CREATE TABLE outbox (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_key       TEXT NOT NULL,
    kind            TEXT NOT NULL,
    recipient       TEXT NOT NULL,
    channel         TEXT NOT NULL,
    address         TEXT NOT NULL,
    subject         TEXT NOT NULL,
    body            TEXT NOT NULL,
    link            TEXT NOT NULL,
    status          TEXT NOT NULL DEFAULT 'pending',
    attempts        BIGINT NOT NULL DEFAULT 0,
    next_attempt_ms BIGINT NOT NULL DEFAULT 0,
    lease_until_ms  BIGINT,
    lease_owner     TEXT,
    last_error      TEXT NOT NULL DEFAULT '',
    created_at      TIMESTAMPTZ NOT NULL,
    sent_at         TIMESTAMPTZ,
    UNIQUE (event_key, recipient, channel)
);
CREATE INDEX outbox_due ON outbox (status, next_attempt_ms);

CREATE TABLE outbox_attempts (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    outbox_id    BIGINT NOT NULL REFERENCES outbox (id),
    attempted_at TIMESTAMPTZ NOT NULL,
    worker       TEXT NOT NULL,
    ok           BOOLEAN NOT NULL,
    error        TEXT NOT NULL DEFAULT ''
);

CREATE TABLE notices (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_key  TEXT NOT NULL,
    login      TEXT NOT NULL,
    subject    TEXT NOT NULL,
    body       TEXT NOT NULL,
    link       TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    read_at    TIMESTAMPTZ,
    UNIQUE (event_key, login)
);
CREATE INDEX notices_login ON notices (login, read_at);
