"""Refresh orderbell_zh.ts from the code, fill in the Chinese from zh.py, and compile the .qm.

Run from anywhere: ``uv run python resources/translations/update.py``. It exits 1 and lists the
strings that still need a Chinese translation in zh.py (the files are written anyway).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
SOURCES = REPO / "desktop"
TS_FILE = HERE / "orderbell_zh.ts"
QM_FILE = HERE / "orderbell_zh.qm"

sys.path.insert(0, str(HERE))
from zh import BY_CONTEXT, TRANSLATIONS  # noqa: E402


def qt_tool(name: str) -> str:
    """The path of a PySide6 tool: beside this Python first (the venv), then on PATH."""
    found = shutil.which(name, path=str(Path(sys.executable).parent)) or shutil.which(name)
    if found is None:
        raise SystemExit(f"{name} not found: run `uv sync` (it comes with PySide6)")
    return found


def source_files() -> list[str]:
    """Every Python file under desktop/, relative to the repository, in a stable order."""
    return sorted(path.relative_to(REPO).as_posix() for path in SOURCES.rglob("*.py"))


def run_lupdate() -> None:
    """Extract the translatable strings into the .ts, keeping what is there, dropping the gone."""
    command = [qt_tool("pyside6-lupdate"), *source_files()]
    command += ["-ts", str(TS_FILE), "-no-obsolete", "-locations", "none"]
    command += ["-source-language", "en", "-target-language", "zh_CN"]
    subprocess.run(command, cwd=REPO, check=True)  # noqa: S603 - Qt's tool, fixed arguments


def chinese_for(context: str, source: str) -> str | None:
    """The Chinese text for ``source`` in ``context``: a per-context entry wins."""
    return BY_CONTEXT.get((context, source), TRANSLATIONS.get(source))


def fill_translations() -> tuple[list[tuple[str, str]], set[str]]:
    """Write the zh.py translations into the .ts.

    Returns the (context, source) pairs still missing a translation, and the zh.py entries no
    string in the code uses any more.
    """
    tree = ET.parse(TS_FILE)  # noqa: S314 - our own file, just written by lupdate
    missing: list[tuple[str, str]] = []
    unused = set(TRANSLATIONS) | {source for _, source in BY_CONTEXT}
    for context in tree.getroot().iter("context"):
        name = context.findtext("name", "")
        for message in context.iter("message"):
            source = message.findtext("source", "")
            unused.discard(source)
            translation = message.find("translation")
            if translation is None:
                translation = ET.SubElement(message, "translation")
            chinese = chinese_for(name, source)
            if chinese is None:
                missing.append((name, source))
                continue
            translation.attrib.pop("type", None)
            forms = translation.findall("numerusform")
            if message.get("numerus") == "yes":
                # Chinese has a single plural form.
                for extra in forms[1:]:
                    translation.remove(extra)
                form = forms[0] if forms else ET.SubElement(translation, "numerusform")
                form.text = chinese
            else:
                translation.text = chinese
    ET.indent(tree, space="    ")
    body = ET.tostring(tree.getroot(), encoding="unicode")
    TS_FILE.write_text(
        f'<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE TS>\n{body}\n', encoding="utf-8"
    )
    return missing, unused


def run_lrelease() -> None:
    """Compile the .ts into the .qm the app loads."""
    command = [qt_tool("pyside6-lrelease"), str(TS_FILE), "-qm", str(QM_FILE), "-nounfinished"]
    subprocess.run(command, cwd=REPO, check=True)  # noqa: S603 - Qt's tool, fixed arguments


def main() -> int:
    run_lupdate()
    missing, unused = fill_translations()
    run_lrelease()
    if unused:
        print(f"{len(unused)} zh.py entries not used by the code (remove them when sure):")
        for source in sorted(unused):
            print(f"  {source!r}")
    if missing:
        print(f"{len(missing)} string(s) need a Chinese translation in {HERE / 'zh.py'}:")
        for context, source in missing:
            print(f"  [{context}] {source!r}")
        return 1
    print(f"all strings translated: {QM_FILE.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
