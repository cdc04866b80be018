"""Hypothesis strategies the property tests share: hostile text, JSON of every shape."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1

# What breaks naive text handling: lone surrogates, NUL, escapes, every kind of line break.
HOSTILE_CHARACTERS = ("\ud800", "\udfff", "\x00", "\x1b", "\n", "\r", "\x85", "\u2028", "\ufeff")
# Any code point, the hostile ones often.
any_text = st.text(
    st.characters(codec=None, min_codepoint=0, max_codepoint=0x10FFFF)
    | st.sampled_from(HOSTILE_CHARACTERS),
    max_size=40,
)

# Text the edge accepts on one line: Unicode scalar values without control characters.
clean_line = st.text(
    st.characters(
        codec="utf-8",
        exclude_categories=("Cc", "Cs", "Zl", "Zp"),
    )
)

# Numbers at and beyond the database's limits, besides ordinary ones.
any_int = st.one_of(
    st.integers(min_value=-1000, max_value=1000),
    st.integers(min_value=INT64_MIN, max_value=INT64_MAX),
    st.sampled_from([INT64_MAX, INT64_MAX + 1, INT64_MIN, INT64_MIN - 1, 2**31, 2**31 - 1]),
    st.integers(min_value=-(10**40), max_value=10**40),
)

_scalars: st.SearchStrategy[Any] = st.one_of(
    st.none(),
    st.booleans(),
    any_int,
    st.floats(allow_nan=False, allow_infinity=False),
    any_text,
)

# Any JSON value, including hostile strings and huge integers, nested a few levels.
any_json: st.SearchStrategy[Any] = st.recursive(
    _scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=5),
        st.dictionaries(any_text, children, max_size=5),
    ),
    max_leaves=10,
)


def merged(base: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """``base`` with ``changes`` laid over it (a generated change can replace any field)."""
    return base | changes
