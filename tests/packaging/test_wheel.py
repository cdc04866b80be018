"""The wheel: a server-only install without Qt, and the counter app's files inside its package."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from email.parser import Parser
from pathlib import Path

import pytest
from packaging.requirements import Requirement

REPO = Path(__file__).resolve().parents[2]
DESKTOP_ONLY = {"pyside6-essentials", "qasync", "pyttsx3", "keyring", "python-escpos", "pillow"}
QT_DISTRIBUTIONS = ("pyside6", "shiboken6")


def uv() -> str:
    """The uv command (CI and the quickstart both run through it)."""
    found = shutil.which("uv")
    if found is None:
        pytest.fail("uv is not on PATH: install it (python3 -m pip install uv)")
    return found


def run(*command: str, cwd: Path = REPO, env: dict[str, str] | None = None) -> str:
    """Run a command, fail the test with its output if it fails, return its stdout."""
    result = subprocess.run(
        command, cwd=cwd, env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, f"{' '.join(command)}:\n{result.stdout}\n{result.stderr}"
    return result.stdout


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel built from this checkout, as `uv build` makes it."""
    out = tmp_path_factory.mktemp("wheel")
    run(uv(), "build", "--wheel", "--out-dir", str(out), "--quiet")
    (built,) = out.glob("orderbell-*.whl")
    return built


@pytest.fixture(scope="module")
def server_venv(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A virtual environment with the server install only: locked dependencies, then the wheel."""
    venv = tmp_path_factory.mktemp("server") / "venv"
    env = {**os.environ, "UV_PROJECT_ENVIRONMENT": str(venv), "UV_PYTHON": sys.executable}
    # From uv.lock and uv's cache, no network: exactly what `uv sync --no-default-groups` gives.
    run(uv(), "sync", "--frozen", "--offline", "--no-default-groups", "--no-install-project",
        "--quiet", env=env)  # fmt: skip
    python = venv / "bin" / "python"
    run(uv(), "pip", "install", "--offline", "--no-deps", "--quiet", "--python", str(python),
        str(wheel))  # fmt: skip
    return venv


def names(wheel: Path) -> list[str]:
    """Every file the wheel installs."""
    with zipfile.ZipFile(wheel) as archive:
        return archive.namelist()


def metadata(wheel: Path) -> dict[str, list[str]]:
    """The wheel's METADATA headers, each with all its values."""
    with zipfile.ZipFile(wheel) as archive:
        (path,) = [name for name in archive.namelist() if name.endswith(".dist-info/METADATA")]
        message = Parser().parsestr(archive.read(path).decode("utf-8"))
    return {key: message.get_all(key) or [] for key in set(message.keys())}


def test_the_wheel_installs_only_orderbells_own_packages(wheel: Path) -> None:
    """No generic top-level `resources` package: only our three packages and the metadata."""
    top = {name.split("/")[0] for name in names(wheel)}
    dist_info = wheel.name.split("-py3")[0] + ".dist-info"
    assert top == {"backend", "desktop", "orderbell_protocol", dist_info}


def test_the_counter_apps_files_are_inside_its_package(wheel: Path) -> None:
    """Translations and icons install under desktop/assets, without the scripts making them."""
    assets = [name for name in names(wheel) if name.startswith("desktop/assets/")]
    assert "desktop/assets/translations/orderbell_zh.qm" in assets
    assert "desktop/assets/icons/orderbell.png" in assets
    assert not [name for name in assets if name.endswith((".py", ".ts"))]


def test_the_migrations_ship_with_the_server(wheel: Path) -> None:
    """Alembic's script folder (ini, env, versions) is in the wheel: `serve` migrates from it."""
    files = names(wheel)
    assert "backend/store/migrations/alembic.ini" in files
    assert "backend/store/migrations/env.py" in files
    assert any(name.startswith("backend/store/migrations/versions/0001") for name in files)


def test_qt_and_the_counter_apps_libraries_are_only_in_the_desktop_extra(wheel: Path) -> None:
    """Requires-Dist: PySide6, speech, keyring and printing all carry `extra == "desktop"`."""
    fields = metadata(wheel)
    assert "desktop" in fields["Provides-Extra"]
    requirements = [Requirement(line) for line in fields["Requires-Dist"]]
    extras = {r.name.lower(): str(r.marker or "") for r in requirements}
    base = {name for name, marker in extras.items() if "extra" not in marker}
    desktop = {name for name, marker in extras.items() if 'extra == "desktop"' in marker}
    assert desktop >= DESKTOP_ONLY
    assert not base & DESKTOP_ONLY
    assert {"starlette", "uvicorn", "sqlalchemy", "alembic", "asyncpg"} <= base


def test_the_locked_server_install_holds_no_qt() -> None:
    """uv.lock's server-only set (no extra, no dev group) holds neither PySide6 nor shiboken."""
    locked = run(uv(), "export", "--frozen", "--no-default-groups", "--no-emit-project",
                 "--no-hashes", "--format", "requirements-txt")  # fmt: skip
    packages = [line.split("==")[0].lower() for line in locked.splitlines() if "==" in line]
    assert "starlette" in packages
    assert not [name for name in packages if name.startswith(QT_DISTRIBUTIONS)]


def test_a_server_install_migrates_a_database_without_qt(server_venv: Path, tmp_path: Path) -> None:
    """`orderbell-server migrate` works in the server-only install, where PySide6 is absent."""
    python = server_venv / "bin" / "python"
    database = tmp_path / "orderbell.db"
    env = {**os.environ, "ORDERBELL_DATABASE_URL": f"sqlite+aiosqlite:///{database}"}
    run(str(server_venv / "bin" / "orderbell-server"), "migrate", cwd=tmp_path, env=env)
    assert database.is_file()
    probe = "import importlib.util as u; print(u.find_spec('PySide6'))"
    assert run(str(python), "-c", probe, cwd=tmp_path).strip() == "None"


def test_the_counter_command_says_how_to_install_it(server_venv: Path, tmp_path: Path) -> None:
    """`orderbell` without the desktop extra exits 2 with one line naming the extra."""
    result = subprocess.run(
        [str(server_venv / "bin" / "orderbell"), "--version"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "orderbell[desktop]" in lines[0]


def test_an_installed_counter_app_finds_its_translations(server_venv: Path, tmp_path: Path) -> None:
    """Installed from the wheel, resource_path points into site-packages' desktop/assets."""
    python = server_venv / "bin" / "python"
    probe = (
        "from desktop.resources import resource_path as r; "
        "p = r('translations', 'orderbell_zh.qm'); print(p.is_file(), p)"
    )
    found, path = run(str(python), "-c", probe, cwd=tmp_path).split(maxsplit=1)
    assert found == "True"
    assert Path(path.strip()).parts[-4:-2] == ("desktop", "assets")
    assert "site-packages" in Path(path).parts
