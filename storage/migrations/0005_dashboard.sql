-- Placeholder so this branch's numbering has no gap: the dashboard branch owns 0005 (take its file at merge).
CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL);
