"""The settings declaration: one table with types, defaults, bounds and descriptions."""

from __future__ import annotations

import dataclasses

import pytest

from desktop.config import SETTINGS, DesktopSettings, settings_from_json, settings_table


def test_defaults_are_the_documented_ones() -> None:
    """A fresh install speaks at 180 wpm, repeats every 30 s and alarms after 60 s offline."""
    assert DesktopSettings() == DesktopSettings(
        server_url="",
        language="auto",
        voice="",
        rate=180,
        volume=1.0,
        repeat_interval_s=30,
        link_down_threshold_s=60,
        link_alarm_repeat_s=180,
        start_at_login=False,
    )


def test_table_lists_every_field_with_a_description() -> None:
    """SETTINGS has one entry per dataclass field, in order, each with a one-line description."""
    assert [spec.name for spec in SETTINGS] == [f.name for f in dataclasses.fields(DesktopSettings)]
    assert all(spec.description and "\n" not in spec.description for spec in SETTINGS)


def test_table_records_the_bounds() -> None:
    """The table carries each numeric setting's allowed range."""
    bounds = {spec.name: spec.bounds for spec in SETTINGS if spec.bounds}
    assert bounds == {
        "rate": (80, 300),
        "volume": (0.0, 1.0),
        "repeat_interval_s": (10, 600),
        "link_down_threshold_s": (15, 1800),
        "link_alarm_repeat_s": (60, 3600),
        "copies": (1, 3),
    }


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("rate", 79),
        ("rate", 301),
        ("volume", 1.5),
        ("volume", float("nan")),
        ("repeat_interval_s", 9),
        ("language", "fr"),
        ("start_at_login", 1),
        ("server_url", "ftp://localhost:8000"),
    ],
)
def test_constructing_an_invalid_value_names_the_setting(name: str, value: object) -> None:
    """DesktopSettings refuses a value out of range or of the wrong type, naming the setting."""
    with pytest.raises(ValueError, match=f"setting {name}"):
        DesktopSettings(**{name: value})  # type: ignore[arg-type]


def test_constructing_normalises_the_server_url() -> None:
    """A trailing slash and an upper-case scheme are tidied away."""
    assert DesktopSettings(server_url="HTTP://shop.example:8000/").server_url == (
        "http://shop.example:8000"
    )


def test_whole_number_volume_is_accepted_as_float() -> None:
    """JSON writes 1.0 as 1 in some editors; volume 1 loads as 1.0."""
    settings, problems = settings_from_json({"volume": 1})
    assert (settings.volume, type(settings.volume), problems) == (1.0, float, [])


def test_bad_values_fall_back_one_by_one() -> None:
    """A bad value falls back to its default while the good values around it are kept."""
    settings, problems = settings_from_json({"rate": 1000, "volume": 0.5, "language": "zh"})
    assert (settings.rate, settings.volume, settings.language) == (180, 0.5, "zh")
    assert len(problems) == 1
    assert problems[0].startswith("rate:")


def test_unknown_keys_are_reported() -> None:
    """A key the table does not declare is reported (and dropped)."""
    _, problems = settings_from_json({"colour": "red"})
    assert problems == ["unknown setting 'colour' ignored"]


def test_a_non_object_gives_defaults_and_a_problem() -> None:
    """A JSON list instead of an object gives defaults and says why."""
    settings, problems = settings_from_json([1, 2])
    assert settings == DesktopSettings()
    assert problems == ["expected a JSON object, got list"]


def test_settings_table_has_a_row_per_setting() -> None:
    """The README table is generated from the declaration, one row per setting."""
    rows = settings_table().splitlines()[2:]
    assert len(rows) == len(SETTINGS)
    assert rows[3] == "| `rate` | `180` | 80–300 | speech rate in words per minute |"
