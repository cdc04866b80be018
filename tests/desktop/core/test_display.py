"""Customer text for display: cleaned, bounded, and whole where the whole is asked for."""

from __future__ import annotations

import pytest

from desktop.core.display import detail_text, display_text, one_line, whole_text


def test_short_text_is_shown_as_is() -> None:
    """Ordinary text passes unchanged and is not marked as cut."""
    assert display_text("少辣，多放葱", 100) == ("少辣，多放葱", False)


def test_long_text_is_cut_to_the_limit() -> None:
    """Only ``limit`` characters are kept, and the cut is reported."""
    shown, cut = display_text("备" * 600_000, 50)
    assert shown == "备" * 50
    assert cut


def test_line_breaks_of_every_kind_become_newlines() -> None:
    """CR LF, CR and the Unicode line and paragraph separators all break lines."""
    assert display_text("a\r\nb\rc\u2028d\u2029e", 100)[0] == "a\nb\nc\nd\ne"


def test_blank_lines_are_dropped() -> None:
    """Thousands of empty lines cannot push the words off the card."""
    assert display_text("\n" * 5000 + "少辣" + "\n  \n" * 50, 10_000)[0] == "少辣"


def test_control_characters_are_dropped() -> None:
    """NUL, bell, escape and DEL never reach a label."""
    assert display_text("a\x00b\x07c\x1bd\x7fe\x9f", 100)[0] == "abcde"


def test_direction_overrides_are_dropped() -> None:
    """Right-to-left overrides and isolates cannot reorder the quantity after a name."""
    assert display_text("\u202e鸡丁\u202c ×2\u2066x\u2069\u200f", 100)[0] == "鸡丁 ×2x"


def test_lone_surrogates_show_as_replacement_characters() -> None:
    """A lone surrogate (valid JSON, invalid Unicode) shows as U+FFFD."""
    assert display_text("a\ud800b\udfffc", 100)[0] == "a\ufffdb\ufffdc"


def test_tabs_become_spaces() -> None:
    """A tab would jump to an unpredictable column: it is one space."""
    assert display_text("a\tb", 100)[0] == "a b"


def test_one_line_joins_lines_with_spaces() -> None:
    """A table cell shows a multi-line remark on one line."""
    assert one_line("少辣\n多放葱", 100) == ("少辣 多放葱", False)


def test_whole_text_keeps_every_character() -> None:
    """The whole view loses nothing but control characters."""
    remark = "第一行\r\n第二行" + "备" * 2_500
    shown = whole_text(remark, block=1_000)
    assert shown.replace("\n", "") == remark.replace("\r\n", "")


def test_whole_text_breaks_long_lines_into_blocks() -> None:
    """A 600,000-character line becomes lines of at most ``block`` characters."""
    lines = whole_text("x" * 600_000, block=1_000).split("\n")
    assert len(lines) == 600
    assert {len(line) for line in lines} == {1_000}


def test_detail_text_keeps_a_short_text_whole() -> None:
    """A remark within the line budget is shown whole, nothing said to be left out."""
    assert detail_text("第一行\r\n第二行", max_lines=5) == ("第一行\n第二行", False)


def test_detail_text_stops_at_its_line_budget() -> None:
    """100,000 lines: the first ``max_lines`` of them, and word that the rest was left out."""
    shown, cut = detail_text("\n".join(f"第{i}行" for i in range(100_000)), max_lines=2_000)
    lines = shown.split("\n")
    assert cut
    assert len(lines) == 2_000
    assert lines[0] == "第0行"
    assert lines[-1] == "第1999行"


def test_detail_text_of_a_huge_line_is_bounded() -> None:
    """A 600,000-character line: its first ``max_chars`` characters in blocks, the rest left out."""
    shown, cut = detail_text("x" * 600_000, max_chars=200_000, block=1_000)
    assert cut
    assert shown.split("\n") == ["x" * 1_000] * 200


@pytest.mark.parametrize(
    "call",
    [
        lambda: display_text("a", 0),
        lambda: whole_text("a", 0),
        lambda: detail_text("a", max_lines=0),
        lambda: detail_text("a", max_chars=0),
    ],
)
def test_sizes_below_one_are_refused(call: object) -> None:
    """A zero limit or block is a programming error, said at once."""
    with pytest.raises(ValueError, match="at least 1"):
        call()  # type: ignore[operator]
