-- Teams, rounds, answers and the aggregates the leaderboards read. Times are epoch milliseconds.
CREATE TABLE teams (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    platform TEXT NOT NULL,
    workspace_id TEXT NOT NULL,
    channel_id TEXT NOT NULL,
    name TEXT NOT NULL,
    timezone TEXT NOT NULL,
    post_time TEXT NOT NULL,
    days TEXT NOT NULL,
    window_minutes INTEGER,
    close_time TEXT,
    mode TEXT NOT NULL,
    receipts INTEGER NOT NULL,
    paused INTEGER NOT NULL DEFAULT 0,
    next_post_date TEXT,
    next_post_at BIGINT,
    created_at BIGINT NOT NULL,
    UNIQUE (platform, workspace_id, channel_id)
);
CREATE INDEX teams_due ON teams (paused, next_post_at);
CREATE INDEX teams_tenant ON teams (platform, workspace_id);

CREATE TABLE rounds (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    team_id INTEGER NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    local_date TEXT NOT NULL,
    scenario_id TEXT NOT NULL,
    topic TEXT NOT NULL,
    state TEXT NOT NULL,
    closes_at BIGINT NOT NULL,
    claimed_at BIGINT NOT NULL,
    lease_until BIGINT,
    message_id TEXT,
    posted_at BIGINT,
    revealed_at BIGINT,
    reveal_message_id TEXT,
    UNIQUE (team_id, local_date)
);
CREATE INDEX rounds_message ON rounds (team_id, message_id);
CREATE INDEX rounds_state ON rounds (state, closes_at);

CREATE TABLE answers (
    round_id INTEGER NOT NULL REFERENCES rounds (id) ON DELETE CASCADE,
    user_id TEXT NOT NULL,
    display_name TEXT NOT NULL,
    choice TEXT NOT NULL,
    answered_at BIGINT NOT NULL,
    source TEXT NOT NULL,
    correct INTEGER,
    points INTEGER,
    PRIMARY KEY (round_id, user_id)
);
CREATE INDEX answers_user ON answers (user_id);

CREATE TABLE member_scores (
    team_id INTEGER NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    period TEXT NOT NULL,
    user_id TEXT NOT NULL,
    display_name TEXT NOT NULL,
    points INTEGER NOT NULL,
    answered INTEGER NOT NULL,
    correct INTEGER NOT NULL,
    acc_bp INTEGER NOT NULL,
    first_answer_at BIGINT NOT NULL,
    PRIMARY KEY (team_id, period, user_id)
);
CREATE INDEX member_scores_rank ON member_scores (team_id, period, points DESC, acc_bp DESC, first_answer_at, user_id);
CREATE INDEX member_scores_user ON member_scores (user_id);

-- How many members of a team share each (points, accuracy) in a period: ranks are sums over these
-- buckets instead of counts over every member ahead. Rebuilt for the team and period at each reveal.
CREATE TABLE score_buckets (
    team_id INTEGER NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    period TEXT NOT NULL,
    points INTEGER NOT NULL,
    acc_bp INTEGER NOT NULL,
    members INTEGER NOT NULL,
    PRIMARY KEY (team_id, period, points, acc_bp)
);

CREATE TABLE member_streaks (
    team_id INTEGER NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    user_id TEXT NOT NULL,
    current INTEGER NOT NULL,
    best INTEGER NOT NULL,
    last_round_id INTEGER,
    PRIMARY KEY (team_id, user_id)
);

CREATE TABLE member_topics (
    team_id INTEGER NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    user_id TEXT NOT NULL,
    topic TEXT NOT NULL,
    answered INTEGER NOT NULL,
    correct INTEGER NOT NULL,
    PRIMARY KEY (team_id, user_id, topic)
);

CREATE TABLE team_topics (
    team_id INTEGER NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    topic TEXT NOT NULL,
    answered INTEGER NOT NULL,
    correct INTEGER NOT NULL,
    PRIMARY KEY (team_id, topic)
);

CREATE TABLE team_periods (
    team_id INTEGER NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    period TEXT NOT NULL,
    rounds INTEGER NOT NULL,
    answers INTEGER NOT NULL,
    points INTEGER NOT NULL,
    active_members INTEGER NOT NULL,
    PRIMARY KEY (team_id, period)
);

CREATE TABLE course_progress (
    platform TEXT NOT NULL,
    workspace_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    display_name TEXT NOT NULL,
    lesson_index INTEGER NOT NULL,
    answered_current INTEGER NOT NULL,
    correct INTEGER NOT NULL,
    timezone TEXT NOT NULL,
    started_at BIGINT NOT NULL,
    completed_at BIGINT,
    next_lesson_at BIGINT,
    PRIMARY KEY (platform, workspace_id, user_id)
);
CREATE INDEX course_due ON course_progress (next_lesson_at);

CREATE TABLE practice (
    platform TEXT NOT NULL,
    workspace_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    scenario_id TEXT NOT NULL,
    box INTEGER NOT NULL,
    due_at BIGINT NOT NULL,
    attempts INTEGER NOT NULL,
    correct INTEGER NOT NULL,
    last_at BIGINT NOT NULL,
    PRIMARY KEY (platform, workspace_id, user_id, scenario_id)
);

CREATE TABLE flags (
    platform TEXT NOT NULL,
    workspace_id TEXT NOT NULL,
    scenario_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    reason TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (platform, workspace_id, scenario_id, user_id)
);

CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    platform TEXT NOT NULL,
    workspace_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    action TEXT NOT NULL,
    detail TEXT NOT NULL,
    at BIGINT NOT NULL
);
CREATE INDEX audit_tenant ON audit_log (platform, workspace_id, at);
