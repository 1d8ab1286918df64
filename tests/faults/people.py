"""The people the crash harness plays, and the restart after each kill."""

from __future__ import annotations

import signal

from tests.faults.books import RoundBook
from tests.faults.bot_runner import BotRunner
from tests.faults.plan import LEASE_STEP, OPTIONS, HarnessError


class People(BotRunner):
    """The people of the teams: they react live, while the bot is down, and change their minds; and
    what happens when the bot dies under them (after_death: account for the kill, restart)."""

    def after_death(self, books: list[RoundBook], phase: str) -> None:
        """The bot is dead: account for the kill, let people react while it is down, restart it."""
        code = self.proc.wait()
        kind = self.current
        if code != -signal.SIGKILL or kind is None:
            self.figures.unexpected_exits += 1
            raise HarnessError(
                f"{self.platform}: the bot exited with {code} during {phase}\n{self.proc.tail()}"
            )
        self.fakes.disarm()
        self.plan.pop(0)
        self.figures.trials += 1
        self.figures.kills[kind] += 1
        for book in books:
            state = self._state(book)
            self.figures.states_at_kill[state] += 1
            self._react_while_down(book, state)
        self.clock.advance(LEASE_STEP)
        self.fakes.forget_nonces()  # minutes pass for Discord too: only the history scan finds a post now
        self.start_bot()

    def _react(self, book: RoundBook, person: str, option: str, live: bool) -> None:
        assert book.post_id is not None
        if self.platform == "teams" and not live:
            return  # a button cannot be pressed on a bot that is down: the person presses when it is back
        if self.fakes.react(self.platform, book.team.channel, book.post_id, person, option, deliver=live):
            book.delivered.setdefault(person, self.runs)
        elif self.platform == "teams":
            book.retry.append((person, option))  # the press failed in their client: they press again
        book.reacted.setdefault(person, []).append(option)
        if live:
            self.figures.reactions_live += 1
        else:
            self.figures.reactions_while_down += 1

    def _fresh(self, book: RoundBook) -> list[str]:
        """People who have not reacted to this post and are not lined up to."""
        lined_up = {p for p, _ in book.pending}
        return [p for p in self.people if p not in book.reacted and p not in lined_up]

    def _react_while_down(self, book: RoundBook, state: str) -> None:
        """People keep reacting while the bot is down. Before the round is scored each one-option reaction
        must count at the reveal and a person with two options must not (README); after, nothing counts.
        Teams answers are buttons: nobody can answer a bot that is down, so nothing happens here."""
        if book.post_id is None or self.platform == "teams":
            return
        fresh = self._fresh(book)
        if state.startswith(("scored", "revealed")):
            if fresh and self.rng.random() < 0.5:
                person = fresh.pop()
                self._react(book, person, self.rng.choice(OPTIONS), live=False)
                book.excluded.add(person)
                self.figures.late_not_counted += 1
            return
        if book.pending:
            for _ in range(min(len(book.pending), self.rng.randint(1, 3))):
                person, option = book.pending.pop(0)
                self._react(book, person, option, live=False)
                book.expected[person] = option
        elif fresh:
            person = fresh.pop()
            option = self.rng.choice(OPTIONS)
            self._react(book, person, option, live=False)
            book.expected[person] = option
        if fresh and self.rng.random() < 0.6:
            person = fresh.pop()
            first, second = self.rng.sample(OPTIONS, 2)
            self._react(book, person, first, live=False)
            self._react(book, person, second, live=False)
            book.excluded.add(person)
            self.figures.hedged_not_counted += 1
        if book.changer is not None and self.rng.random() < 0.5:
            person, option = book.changer
            self._react(book, person, option, live=False)  # the first answer stays: expected unchanged
            book.changer = None

    def _change_mind(self, books: list[RoundBook], book: RoundBook, person: str) -> None:
        """A first answer, live; once it is stored a second option is lined up (sent later, live or while
        the bot is down). If the bot dies before storing the first, the person stays a one-option answerer."""
        first, second = self.rng.sample(OPTIONS, 2)
        self._react(book, person, first, live=True)
        book.expected[person] = first

        def stored() -> bool:
            return bool(
                self.db.rows(
                    "SELECT 1 FROM answers WHERE round_id = ? AND user_id = ? AND source <> 'late'",
                    book.round_id,
                    person,
                )
            )

        while not self.until(stored, f"the first answer of {person}"):
            self.after_death(books, "answers")
            if not stored():
                return
        book.changer = (person, second)
