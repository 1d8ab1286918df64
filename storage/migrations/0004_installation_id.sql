-- One random id per database (this deployment's), part of the key that tells our posts from another
-- deployment's in the same channel. The single row is made on first use, not here, so a new database stays
-- empty for `respbot db copy` (which carries the source's id over: a restored backup is the same deployment).
CREATE TABLE installation_identity (
    singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
    installation_id TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
