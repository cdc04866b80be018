"""Choosing the interface language and installing the Chinese translator."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, QTranslator

from desktop import i18n
from desktop.i18n import install_translator, pick_language


@pytest.mark.parametrize(
    "locale", ["zh_CN", "zh_TW", "zh-Hans-CN", "zh_CN.UTF-8", "Chinese (Simplified)_China.936"]
)
def test_auto_on_a_chinese_locale_is_chinese(locale: str) -> None:
    """Every Chinese system locale gives zh."""
    assert pick_language("auto", locale) == "zh"


@pytest.mark.parametrize("locale", ["en_US", "de_DE", "C", ""])
def test_auto_elsewhere_is_english(locale: str) -> None:
    """Any other locale gives en."""
    assert pick_language("auto", locale) == "en"


def test_explicit_setting_wins_over_the_locale() -> None:
    """An explicit language overrides the system locale either way."""
    assert (pick_language("en", "zh_CN"), pick_language("zh", "en_US")) == ("en", "zh")


def test_english_needs_no_translator(qapp: QCoreApplication) -> None:
    """English is the source language: nothing is installed."""
    assert install_translator(qapp, "en") is None


NO_HOST = "The server address has no host name."


def test_chinese_translator_is_installed(qapp: QCoreApplication) -> None:
    """For zh our translator is returned and parented to the app, so it stays alive."""
    translator = install_translator(qapp, "zh")
    try:
        assert isinstance(translator, QTranslator)
        assert translator.parent() is qapp
    finally:
        install_translator(qapp, "en")


def test_chinese_translates_our_strings(qapp: QCoreApplication) -> None:
    """After installing zh, the app's own strings come out in Chinese."""
    install_translator(qapp, "zh")
    try:
        assert QCoreApplication.translate("ServerAddress", NO_HOST) == "服务器地址缺少主机名。"
    finally:
        install_translator(qapp, "en")


def test_chinese_translates_qt_own_strings(qapp: QCoreApplication) -> None:
    """Qt's standard buttons are translated too (qtbase_zh_CN from the Qt installation)."""
    install_translator(qapp, "zh")
    try:
        assert QCoreApplication.translate("QPlatformTheme", "Cancel") == "取消"
    finally:
        install_translator(qapp, "en")


def test_switching_back_to_english_removes_it(qapp: QCoreApplication) -> None:
    """Installing en after zh removes the Chinese translators again."""
    install_translator(qapp, "zh")
    install_translator(qapp, "en")
    assert QCoreApplication.translate("ServerAddress", NO_HOST) == NO_HOST
    assert QCoreApplication.translate("QPlatformTheme", "Cancel") == "Cancel"


def test_missing_qm_file_warns_and_returns_none(
    qapp: QCoreApplication,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Without the .qm file the interface stays English and a warning is logged."""
    monkeypatch.setattr(i18n, "translation_file", lambda language: tmp_path / "none.qm")
    with caplog.at_level(logging.WARNING, logger="desktop.i18n"):
        assert install_translator(qapp, "zh") is None
    install_translator(qapp, "en")
    assert "none.qm" in caplog.text
