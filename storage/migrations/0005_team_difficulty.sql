-- A team chooses which question levels its daily post draws from (`setup difficulty easy|mixed|hard`).
ALTER TABLE teams ADD COLUMN difficulty TEXT NOT NULL DEFAULT 'mixed';
