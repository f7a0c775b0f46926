-- API tokens may carry an expiry; past it the token is refused like a revoked one.
ALTER TABLE api_tokens ADD COLUMN expires_at TEXT;
