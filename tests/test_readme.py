"""The README stays true to the code it documents."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from backend.cli import build_parser
from backend.metrics import Metrics, metrics_table
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


def readme_yaml_blocks() -> dict[str, Any]:
    """The README's YAML snippets, parsed, by the file name in their first comment line."""
    blocks: dict[str, Any] = {}
    for block in re.findall(r"```yaml\n(.*?)```", README.read_text(encoding="utf-8"), re.S):
        name = block.splitlines()[0].removeprefix("# ").strip()
        blocks[name] = yaml.safe_load(block)
    return blocks


def test_readme_metrics_table_matches_the_code() -> None:
    """The README's table of metrics is exactly the one generated from backend/metrics.py."""
    text = README.read_text(encoding="utf-8")
    start = text.index("<!-- metrics-table:start -->") + len("<!-- metrics-table:start -->")
    assert text[start : text.index("<!-- metrics-table:end -->")].strip() == metrics_table()


def test_readme_alert_rules_use_only_metrics_the_server_has() -> None:
    """Every orderbell_* name in the example alert rules is one the server exports."""
    rules = readme_yaml_blocks()["orderbell-alerts.yml"]["groups"][0]["rules"]
    exported = {
        f"{family.name}{suffix}"
        for family in Metrics().registry.collect()
        for suffix in (("_total",) if family.type == "counter" else ("", "_bucket", "_count"))
    }
    used = {name for rule in rules for name in re.findall(r"orderbell_\w+", rule["expr"])}
    assert {"OrderBellCallbacksFailing", "OrderBellNoCounterOnline", "OrderBellSlowToAccept"} <= {
        rule["alert"] for rule in rules
    }
    assert used
    assert used <= exported


def test_readme_scrape_config_sends_the_bearer_token_to_metrics() -> None:
    """The scrape config asks /metrics with a bearer token, as the endpoint requires."""
    (job,) = readme_yaml_blocks()["prometheus.yml"]["scrape_configs"]
    assert job["metrics_path"] == "/metrics"
    assert job["authorization"]["type"] == "Bearer"
