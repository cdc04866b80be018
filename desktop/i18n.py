"""Choosing the interface language and installing its Qt translations."""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QTranslator

from desktop.resources import resource_path

logger = logging.getLogger(__name__)

LANGUAGES = ("zh", "en")
SOURCE_LANGUAGE = "en"  # the strings in the code are English: English needs no translation file

_OURS = "orderbell-translator"
_QT_OWN = "qtbase-translator"


def pick_language(setting: str, system_locale: str) -> str:
    """``zh`` or ``en``: an explicit setting wins; ``auto`` follows the system locale.

    ``system_locale`` is a name like ``zh_CN``, ``zh-Hant-TW``, ``en_US.UTF-8`` or Windows'
    ``Chinese (Simplified)_China.936``; every Chinese locale gives ``zh``.
    """
    if setting in LANGUAGES:
        return setting
    name = system_locale.strip().lower()
    return "zh" if name.startswith(("zh", "chinese")) else "en"


def translation_file(language: str) -> Path:
    """The compiled translations (.qm) of our own strings for ``language``."""
    return resource_path("translations", f"orderbell_{language}.qm")


def install_translator(app: QCoreApplication, language: str) -> QTranslator | None:
    """Install the translations for ``language`` into ``app`` and return ours (None for English).

    Qt's own strings (standard buttons, context menus) are translated too when Qt ships a
    ``qtbase_zh_CN.qm``. Translators installed by an earlier call are removed first, so the
    language can be switched. A missing file is logged and the interface stays in English.
    The translators are children of ``app``, so they live as long as it does.
    """
    for old in app.findChildren(QTranslator):
        if old.objectName() in (_OURS, _QT_OWN):
            app.removeTranslator(old)
            old.setObjectName("")
            old.deleteLater()
    if language == SOURCE_LANGUAGE:
        return None
    if language != "zh":
        logger.warning("no translations for language %r; the interface stays in English", language)
        return None

    qt_dir = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    qt_own = QTranslator(app)
    qt_own.setObjectName(_QT_OWN)
    if qt_own.load("qtbase_zh_CN", qt_dir):
        app.installTranslator(qt_own)
    else:
        logger.info("Qt's own Chinese translations are not in %s", qt_dir)
        qt_own.deleteLater()

    path = translation_file(language)
    ours = QTranslator(app)
    ours.setObjectName(_OURS)
    if not ours.load(str(path)):
        logger.warning(
            "translations %s are missing or damaged; the interface stays in English", path
        )
        ours.deleteLater()
        return None
    app.installTranslator(ours)
    return ours
