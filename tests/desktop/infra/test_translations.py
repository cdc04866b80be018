"""Chinese translations: every string in the code has one, and the committed .qm carries it."""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import pytest
from PySide6.QtCore import QTranslator

from tests.scripts import load_script

REPO = Path(__file__).resolve().parents[3]
TRANSLATIONS_DIR = REPO / "resources" / "translations"
QM_FILE = TRANSLATIONS_DIR / "orderbell_zh.qm"
PLACE_MARKER = re.compile(r"%(?:[1-9]|n)")


@dataclass(frozen=True)
class Message:
    """One translatable string literal found in the code."""

    context: str
    source: str
    disambiguation: str | None
    numerus: bool
    where: str


def load_zh() -> ModuleType:
    return load_script(TRANSLATIONS_DIR / "zh.py", "orderbell_zh_table")


def _literal(node: ast.expr) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _calls(name: str) -> list[tuple[ast.Call, str]]:
    """Every call of a function or method called ``name`` under desktop/, with its location."""
    found = []
    for path in sorted((REPO / "desktop").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if called == name:
                found.append((node, f"{path.relative_to(REPO)}:{node.lineno}"))
    return found


def messages_in_code() -> list[Message]:
    """``translate("Ctx", "text")`` and ``QT_TRANSLATE_NOOP("Ctx", "text")`` under desktop/."""
    found = []
    for node, where in _calls("translate") + _calls("QT_TRANSLATE_NOOP"):
        if len(node.args) < 2:
            continue
        context, source = _literal(node.args[0]), _literal(node.args[1])
        if context is None or source is None:
            continue  # a dynamic text: its literal is marked elsewhere
        disambiguation = _literal(node.args[2]) if len(node.args) > 2 else None
        found.append(Message(context, source, disambiguation, len(node.args) > 3, where))
    return found


def chinese(zh: ModuleType, message: Message) -> str | None:
    by_context: dict[tuple[str, str], str] = zh.BY_CONTEXT
    translations: dict[str, str] = zh.TRANSLATIONS
    return by_context.get((message.context, message.source), translations.get(message.source))


@pytest.fixture(scope="module")
def zh() -> ModuleType:
    return load_zh()


@pytest.fixture(scope="module")
def messages() -> list[Message]:
    return messages_in_code()


@pytest.fixture
def qm() -> QTranslator:
    translator = QTranslator()
    assert translator.load(str(QM_FILE)), f"{QM_FILE} does not load"
    return translator


def test_code_has_translatable_strings(messages: list[Message]) -> None:
    """The scanner finds the strings (guards against a scanner that silently finds nothing)."""
    assert any(m.context == "ServerAddress" for m in messages)


def test_no_translate_call_hides_its_text_from_lupdate() -> None:
    """``translate("text")`` without a context literal is invisible to lupdate: never translated."""
    hidden = [
        f"{where}: translate({_literal(node.args[0])!r})"
        for node, where in _calls("translate")
        if len(node.args) == 1 and _literal(node.args[0]) is not None
    ]
    assert not hidden, (
        'write QCoreApplication.translate("Context", "text") (or mark the literal with '
        'QT_TRANSLATE_NOOP("Context", "text")) so lupdate extracts it:\n' + "\n".join(hidden)
    )


def test_committed_qm_translates_a_known_string(qm: QTranslator) -> None:
    """The committed .qm loads and turns a known English string into Chinese."""
    translated = qm.translate("ServerAddress", "The server address has no host name.")
    assert translated == "服务器地址缺少主机名。"


def test_every_string_in_the_code_has_a_chinese_translation(
    zh: ModuleType, messages: list[Message]
) -> None:
    """Each translatable literal in desktop/ has an entry in resources/translations/zh.py."""
    missing = sorted(
        {f"[{m.context}] {m.source!r}  ({m.where})" for m in messages if not chinese(zh, m)}
    )
    assert not missing, "add to resources/translations/zh.py, then run update.py:\n" + "\n".join(
        missing
    )


def test_committed_qm_is_up_to_date(
    zh: ModuleType, messages: list[Message], qm: QTranslator
) -> None:
    """The .qm gives zh.py's Chinese for every string (else run update.py and commit the .qm)."""
    stale = []
    for m in messages:
        expected = chinese(zh, m)
        if expected is None:
            continue  # reported by the test above
        got = qm.translate(m.context, m.source, m.disambiguation, 2 if m.numerus else -1)
        if got != expected:
            stale.append(f"[{m.context}] {m.source!r}: .qm has {got!r}, zh.py has {expected!r}")
    assert not stale, "run `uv run python resources/translations/update.py`:\n" + "\n".join(stale)


def test_translations_keep_the_place_markers(zh: ModuleType) -> None:
    """%1, %2 and %n appear in the Chinese exactly as in the English."""
    pairs = [*zh.TRANSLATIONS.items(), *((s, t) for (_, s), t in zh.BY_CONTEXT.items())]
    broken = [
        source
        for source, text in pairs
        if sorted(PLACE_MARKER.findall(source)) != sorted(PLACE_MARKER.findall(text))
    ]
    assert not broken
