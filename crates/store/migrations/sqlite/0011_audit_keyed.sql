-- The audit log becomes append-only and its chain keyed (HMAC-SHA256 with a per-installation key
-- kept outside the database). audit_head records from which entry the chain is keyed
-- (keyed_from: entries before it keep their plain sha256 hashes), which key (key_id, a
-- fingerprint, not the key) and a MAC over the chain's end that only the key can produce.
ALTER TABLE audit_head ADD COLUMN keyed_from BIGINT;
ALTER TABLE audit_head ADD COLUMN key_id TEXT;
ALTER TABLE audit_head ADD COLUMN mac TEXT;

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;

-- The chain's end only moves forward, and where the keyed part starts is set once.
CREATE TRIGGER audit_head_no_delete BEFORE DELETE ON audit_head
BEGIN
    SELECT RAISE(ABORT, 'the audit chain head cannot be deleted');
END;
CREATE TRIGGER audit_head_forward_only BEFORE UPDATE ON audit_head
WHEN NEW.seq < OLD.seq
  OR (OLD.keyed_from IS NOT NULL AND NEW.keyed_from IS NOT OLD.keyed_from)
  OR (OLD.key_id IS NOT NULL AND NEW.key_id IS NOT OLD.key_id)
BEGIN
    SELECT RAISE(ABORT, 'the audit chain head only moves forward');
END;
