-- Platform installations (Slack OAuth: one row per workspace), stored as the platform SDK's JSON.
CREATE TABLE installations (
    platform TEXT NOT NULL,
    workspace_id TEXT NOT NULL,
    data TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (platform, workspace_id)
);
