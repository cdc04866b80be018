"""The `orderbell` entry point on an install without the counter app's libraries."""

from __future__ import annotations

import importlib.util

import pytest

from desktop import launch


def test_with_every_library_present_nothing_is_missing() -> None:
    """This checkout has the desktop extra: no module is reported missing."""
    assert launch.missing_desktop_modules() == []


def test_without_qt_it_exits_2_naming_the_extra(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Missing PySide6: one line on stderr naming the `desktop` extra, exit code 2."""
    real_find_spec = importlib.util.find_spec

    def find_spec(name: str) -> object:
        return None if name == "PySide6" else real_find_spec(name)

    monkeypatch.setattr(launch.importlib.util, "find_spec", find_spec)
    assert launch.main() == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert "PySide6" in err[0]
    assert "orderbell[desktop]" in err[0]
