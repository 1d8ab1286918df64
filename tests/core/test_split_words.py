"""Command words: the fast path for text without quotes or backslashes gives exactly shlex's words."""

from __future__ import annotations

import shlex

from hypothesis import given
from hypothesis import strategies as st

from bot.core.command_values import split_words

# Letters, digits, the punctuation commands use, shlex's whitespace and some it does not treat as whitespace.
PLAIN = st.text(alphabet=st.sampled_from("ab1:@#<>|-_.,!? \t\r\n\xa0\u2003é✅"), max_size=40)


@given(PLAIN)
def test_plain_text_splits_as_shlex_does(text: str) -> None:
    assert split_words(text) == shlex.split(text)


@given(PLAIN, st.sampled_from(['"', "'", "\\"]))
def test_quoted_text_still_goes_through_shlex(text: str, quote: str) -> None:
    quoted = f"{text} {quote}x y{quote}"
    try:
        expected = shlex.split(quoted)
    except ValueError:  # a lone backslash at the end, unbalanced: split at whitespace
        expected = quoted.split()
    assert split_words(quoted) == expected


def test_curly_quotes_group_words() -> None:
    assert split_words("suggest “two words” here") == ["suggest", "two words", "here"]
