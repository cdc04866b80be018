"""``orderbell-server shop``: which WeChat Pay sub-merchant each shop is (partner mode)."""

from __future__ import annotations

from pathlib import Path

import pytest

from backend.cli import main
from backend.devkit import MerchantKit, write_kit


@pytest.fixture
def env_file(tmp_path: Path, kit: MerchantKit, monkeypatch: pytest.MonkeyPatch) -> str:
    """The kit's settings, with a database of the test's own."""
    monkeypatch.setenv("ORDERBELL_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'shops.db'}")
    return str(write_kit(kit, tmp_path / "kit"))


def test_shop_set_then_list_shows_the_sub_merchant(
    env_file: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """A sub_mchid set for shop 3 is listed for shop 3."""
    assert (
        main(["shop", "set", "--shop", "3", "--sub-mchid", "1900000109", "--env-file", env_file])
        == 0
    )
    capsys.readouterr()
    assert main(["shop", "list", "--env-file", env_file]) == 0
    assert capsys.readouterr().out.splitlines() == ["shop 3: sub-merchant 1900000109"]


def test_bad_sub_merchant_is_refused_with_one_line(
    env_file: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """A sub_mchid with a letter in it: exit 1, one line saying what one looks like, none kept."""
    code = main(["shop", "set", "--shop", "3", "--sub-mchid", "19000x0109", "--env-file", env_file])
    error = capsys.readouterr().err.strip().splitlines()
    assert code == 1
    assert len(error) == 1
    assert "sub-merchant id is the 1 to 32 digits" in error[0]
    main(["shop", "list", "--env-file", env_file])
    assert "(orderbell-server shop set)" in capsys.readouterr().out
