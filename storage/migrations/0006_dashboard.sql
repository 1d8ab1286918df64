-- The dashboard (bot/dashboard): one signing key per database, so every instance accepts the same session
-- cookies, and the one-time login links `/responsibility dashboard` hands out (stored as SHA-256 hashes).
CREATE TABLE dashboard_keys (
    name TEXT PRIMARY KEY,
    secret TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE TABLE dashboard_links (
    token_hash TEXT PRIMARY KEY,
    platform TEXT NOT NULL,
    workspace_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT
);
CREATE INDEX dashboard_links_expiry ON dashboard_links (expires_at);
