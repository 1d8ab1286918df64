-- Questions from the team: suggested by a member, reviewed by an admin, in that workspace's rotation only.
CREATE TABLE suggestions (
    id {serial_pk},
    platform TEXT NOT NULL,
    workspace_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    display_name TEXT NOT NULL,
    prompt TEXT NOT NULL,
    answer TEXT NOT NULL,
    explanation TEXT NOT NULL,
    link TEXT NOT NULL,
    state TEXT NOT NULL,
    reason TEXT NOT NULL DEFAULT '',
    reviewer TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    decided_at BIGINT
);
CREATE INDEX suggestions_tenant ON suggestions (platform, workspace_id, state, id);
CREATE INDEX suggestions_author ON suggestions (platform, workspace_id, user_id, created_at);
