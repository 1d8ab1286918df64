"""The crash harness's checks, against its own books and the platform's state, never the bot's word."""

from __future__ import annotations

from collections import Counter

from tests.faults.books import RoundBook
from tests.faults.bot_runner import BotRunner
from tests.faults.recount import recount_problems


class Checks(BotRunner):
    """After every day and at the end of the run: the database and the platform against the books."""

    def problem(self, text: str) -> None:
        self.figures.problems.append(f"{self.platform}: {text}")

    def check_day(self, books: list[RoundBook]) -> None:
        snapshot = self.fakes.snapshot(self.platform)
        for book in books:
            channel = snapshot["channels"][book.team.channel]
            rows = self.db.rows(
                "SELECT id, state, message_id, reveal_message_id FROM rounds WHERE team_id = ? AND local_date = ?",
                book.team.team_id,
                book.day.isoformat(),
            )
            if len(rows) != 1 or rows[0]["state"] != "revealed" or rows[0]["reveal_message_id"] is None:
                self.figures.missed_rounds += 1
                self.problem(
                    f"{book.day} team {book.team.team_id}: no revealed round ({[dict(r) for r in rows]})"
                )
                continue
            rnd = rows[0]
            self.figures.rounds += 1
            posts = [m for m in channel if m["key"] == f"round-{rnd['id']}"]
            reveals = [m for m in channel if m["key"] == f"reveal-{rnd['id']}"]
            if len(posts) != 1:
                self.figures.duplicate_posts += max(len(posts) - 1, 0)
                self.figures.missed_rounds += int(not posts)
                self.problem(f"round {rnd['id']}: {len(posts)} scenario posts on the platform")
            if len(reveals) != 1:
                self.figures.duplicate_reveals += max(len(reveals) - 1, 0)
                self.problem(f"round {rnd['id']}: {len(reveals)} reveals on the platform")
            if posts and (posts[0]["id"] != rnd["message_id"] or posts[0]["parent"] is not None):
                self.problem(f"round {rnd['id']}: the post on record is not the one on the platform")
            if (
                reveals
                and posts
                and (reveals[0]["parent"] != posts[0]["id"] or reveals[0]["id"] != rnd["reveal_message_id"])
            ):
                self.problem(f"round {rnd['id']}: the reveal is not the reply on record")
            stored = {
                r["user_id"]: r
                for r in self.db.rows(
                    "SELECT user_id, choice, source, points FROM answers WHERE round_id = ?", rnd["id"]
                )
            }
            for person, option in book.expected.items():
                got = stored.get(person)
                if got is None or got["choice"] != option or got["points"] is None or got["source"] == "late":
                    self.figures.lost_answers += 1
                    self.problem(f"round {rnd['id']}: {person} answered {option}, stored {got and dict(got)}")
            for person, got in stored.items():
                self.figures.answers_stored[str(got["source"])] += 1
                if person not in book.expected and got["source"] != "late":
                    self.figures.spurious_answers += 1
                    self.problem(f"round {rnd['id']}: {person} stored ({dict(got)}) but must not count")
        for team in self.teams:
            for text in recount_problems(self.db, team.team_id, self.answer_of):
                self.figures.recount_mismatches += 1
                self.problem(f"{books[0].day}: {text}")

    def check_all(self) -> None:
        """Across the whole run: every key once on the platform, no bot post outside a round, one round per
        team and working day (none on weekends, none skipped)."""
        snapshot = self.fakes.snapshot(self.platform)
        days = {b.day.isoformat() for b in self.books}
        for team in self.teams:
            channel = snapshot["channels"][team.channel]
            keys = Counter(m["key"] for m in channel if m["bot"])
            extra = {k: n for k, n in keys.items() if n > 1}
            if extra or "" in keys:
                self.problem(f"channel {team.channel}: keys posted more than once or unkeyed: {extra}")
            rounds = self.db.rows(
                "SELECT local_date, state FROM rounds WHERE team_id = ? ORDER BY local_date", team.team_id
            )
            if sorted(r["local_date"] for r in rounds) != sorted(days) or any(
                r["state"] != "revealed" for r in rounds
            ):
                self.problem(
                    f"team {team.team_id}: rounds {[tuple(r) for r in rounds]} for days {sorted(days)}"
                )
