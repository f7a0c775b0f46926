-- Failed logins are counted from the audit log on every login (see domain/login_throttle.rs):
-- by action, address and time, so that the count stays fast as the log grows.
CREATE INDEX audit_log_logins ON audit_log (action, address, occurred_at);
