"""The crash harness's day driver: setup, then each day's post, answer and reveal phases."""

from __future__ import annotations

import sqlite3
from datetime import timedelta

from tests.faults.books import RoundBook
from tests.faults.people import People
from tests.faults.plan import OPTIONS, HarnessError


class DayDriver(People):
    """Drives a working day through its three phases — posts, answers, reveals — with the planned kill in
    the middle of whichever phase it belongs to."""

    def setup_teams(self) -> None:
        for team in self.teams:
            if self.platform in ("slack", "teams"):
                reply = self.fakes.command(self.platform, team.channel, team.spec.slack_text(), {})
            else:
                reply = self.fakes.command("discord", team.channel, "setup", team.spec.discord_options())
            if "✅" not in reply:
                raise HarnessError(f"setup of {team.channel} failed: {reply[:300]}")
            rows = self.db.rows(
                "SELECT id FROM teams WHERE platform = ? AND channel_id = ?", self.platform, team.channel
            )
            team.team_id = int(rows[0]["id"])

    def _rounds_today(self, books: list[RoundBook]) -> list[sqlite3.Row]:
        day = books[0].day.isoformat()
        return self.db.rows(
            "SELECT r.id, r.team_id, r.state, r.message_id, r.reveal_message_id FROM rounds r "
            "JOIN teams t ON t.id = r.team_id WHERE t.platform = ? AND r.local_date = ?",
            self.platform,
            day,
        )

    def _external_kill(self, within: float) -> None:
        """SIGKILL from outside at a random moment: unless the bot dies by itself first."""
        if not self.proc.exited.wait(self.rng.uniform(0, within)):
            self.proc.kill()

    def post_phase(self, books: list[RoundBook]) -> None:
        day = books[0].day
        kind = self.current
        if kind == "post-unacked":
            self.fakes.arm_kill(self.platform, self.proc.pid, "round")
        self.clock.at_least(max(t.spec.post_at(day) for t in self.teams))
        if kind == "external-post":
            self._external_kill(0.25)

        def posted() -> bool:
            rows = self._rounds_today(books)
            return len(rows) == len(books) and all(r["state"] != "claimed" for r in rows)

        while not self.until(posted, f"the {day} posts"):
            self.after_death(books, "post")
        self.fakes.disarm()
        for book in books:
            self._state(book)
            assert book.post_id is not None, (
                f"{self.platform}: round {book.round_id} posted but not on the platform"
            )

    def answer_phase(self, books: list[RoundBook]) -> None:
        day = books[0].day
        answers_at = self.clock.now + timedelta(minutes=10)
        if answers_at >= min(t.spec.close_at(day) for t in self.teams):
            raise HarnessError(f"{self.platform}: too many restarts on {day}: the answer window is over")
        self.clock.at_least(answers_at)
        # Who answers what: one person changes their mind (the first answer locks), most answer once, some
        # not at all; the one-answer people react in a random order across the teams.
        for book in books:
            fresh = self._fresh(book)
            self.rng.shuffle(fresh)
            book.pending += [(p, self.rng.choice(OPTIONS)) for p in fresh[1:] if self.rng.random() < 0.8]
            if fresh:
                self._change_mind(books, book, fresh[0])
        script = [(book, p, o) for book in books for p, o in book.pending]
        self.rng.shuffle(script)
        kill_at = self.rng.randrange(len(script) + 1) if self.current == "external-answers" else -1
        for index in range(len(script) + 1):
            if index == kill_at and self.proc.alive():
                self.proc.kill()
            if not self.proc.alive():
                self.after_death(books, "answers")
            if index == len(script):
                break
            book, person, option = script[index]
            if (person, option) not in book.pending:
                continue  # reacted while the bot was down
            book.pending.remove((person, option))
            self._react(book, person, option, live=True)
            book.expected[person] = option
        for book in books:
            if book.changer is not None:
                self._react(book, *book.changer, live=self.proc.alive())
                book.changer = None
        self._press_again(books)
        # Every event delivered to the bot that is running now must be stored by it (events sent to a run
        # that was killed may be lost: those answers are found on the post at the reveal).
        while not self.until(lambda: self._live_stored(books), "the answers delivered to the bot"):
            self.after_death(books, "answers")

    def _press_again(self, books: list[RoundBook]) -> None:
        """Teams: the presses that failed (the bot died under them) are pressed again once it is back."""
        while any(book.retry for book in books):
            if not self.proc.alive():
                self.after_death(books, "answers")
            for book in books:
                retry, book.retry = book.retry, []
                for person, option in retry:
                    self._react(book, person, option, live=True)

    def _live_stored(self, books: list[RoundBook]) -> bool:
        for book in books:
            owed = {p for p, run in book.delivered.items() if run == self.runs}
            stored = {
                r["user_id"]
                for r in self.db.rows(
                    "SELECT user_id FROM answers WHERE round_id = ? AND source <> 'late'", book.round_id
                )
            }
            if not owed <= stored:
                return False
        return True

    def reveal_phase(self, books: list[RoundBook]) -> None:
        day = books[0].day
        kind = self.current
        if kind == "reveal-unacked":
            self.fakes.arm_kill(self.platform, self.proc.pid, "reveal")
        self.clock.at_least(max(t.spec.close_at(day) for t in self.teams))
        if kind == "external-reveal":
            self._external_kill(0.25)

        def revealed() -> bool:
            rows = self._rounds_today(books)
            return len(rows) == len(books) and all(
                r["state"] == "revealed" and r["reveal_message_id"] is not None for r in rows
            )

        while not self.until(revealed, f"the {day} reveals"):
            self.after_death(books, "reveal")
        self.fakes.disarm()
