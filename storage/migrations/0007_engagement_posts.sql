-- Reminder, weekly recap and season settings per team, and the team's once-per-period posts (claimed before
-- posting, like rounds, so no instance or restart posts one twice). reminder_minutes 0 = off; recap is
-- 'auto' (after the week's last reveal), 'off', or a local day and time such as 'fri 16:00'.
ALTER TABLE teams ADD COLUMN reminder_minutes INTEGER NOT NULL DEFAULT 60;
ALTER TABLE teams ADD COLUMN ping TEXT NOT NULL DEFAULT '';
ALTER TABLE teams ADD COLUMN recap TEXT NOT NULL DEFAULT 'auto';
ALTER TABLE teams ADD COLUMN season INTEGER NOT NULL DEFAULT 1;

CREATE TABLE team_posts (
    team_id {id_type} NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    period TEXT NOT NULL,
    state TEXT NOT NULL,
    due_at BIGINT NOT NULL,
    lease_until BIGINT,
    message_id TEXT,
    PRIMARY KEY (team_id, kind, period)
);
CREATE INDEX team_posts_due ON team_posts (state, due_at);
