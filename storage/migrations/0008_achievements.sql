-- Achievements, awarded in the reveal transaction; recomputable from the stored answers.
CREATE TABLE achievements (
    team_id {id_type} NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    user_id TEXT NOT NULL,
    code TEXT NOT NULL,
    display_name TEXT NOT NULL,
    round_id {id_type},
    local_date TEXT,
    awarded_at BIGINT NOT NULL,
    PRIMARY KEY (team_id, user_id, code)
);
CREATE INDEX achievements_user ON achievements (user_id);
CREATE INDEX achievements_round ON achievements (round_id);
