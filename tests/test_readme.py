"""The README stays true to the code it documents."""

from __future__ import annotations

from pathlib import Path

from backend.cli import build_parser
from backend.settings import settings_table

README = Path(__file__).resolve().parent.parent / "README.md"


def test_readme_configuration_table_matches_the_settings() -> None:
    """The configuration table in the README is exactly the one generated from settings.py."""
    text = README.read_text(encoding="utf-8")
    start = text.index("<!-- settings-table:start -->") + len("<!-- settings-table:start -->")
    end = text.index("<!-- settings-table:end -->")
    assert text[start:end].strip() == settings_table()


def test_readme_names_every_server_command() -> None:
    """Every orderbell-server subcommand appears in the README's command table."""
    parser = build_parser()
    commands = parser._subparsers._group_actions[0].choices  # type: ignore[union-attr]
    text = README.read_text(encoding="utf-8")
    for name in commands:
        assert f"`{name}" in text, f"README does not document `{name}`"


def test_readme_quickstart_runs_the_test_command_ci_runs() -> None:
    """The README's test command is the one .ci/run calls."""
    ci = (README.parent / ".ci" / "run").read_text(encoding="utf-8")
    assert "uv run pytest" in README.read_text(encoding="utf-8")
    assert "uv run --frozen pytest" in ci


def test_readme_desktop_settings_table_matches_the_declarations() -> None:
    """The counter app's settings table in the README is generated from desktop/config.py."""
    from desktop.config import settings_table as desktop_table

    text = README.read_text(encoding="utf-8")
    start_mark, end_mark = (
        "<!-- desktop-settings-table:start -->",
        "<!-- desktop-settings-table:end -->",
    )
    start = text.index(start_mark) + len(start_mark)
    assert text[start : text.index(end_mark)].strip() == desktop_table()
