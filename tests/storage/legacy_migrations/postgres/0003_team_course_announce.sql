-- A team can ask for a line in its channel when someone completes the onboarding course.
ALTER TABLE teams ADD COLUMN announce_course INTEGER NOT NULL DEFAULT 0;
