"""The counter PC's settings: declared once, saved as JSON; the device token kept in the keyring."""

from __future__ import annotations

import json
import logging
import math
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

import keyring
import keyring.errors
from keyring.backend import KeyringBackend
from platformdirs import user_config_dir, user_log_dir, user_state_dir

from desktop.core.marks import QT_TRANSLATE_NOOP
from desktop.files import keep_aside, write_atomically
from desktop.net.urls import explicit_port, valid_host
from desktop.printing.ticket import PAPERS
from desktop.printing.uri import parse_printer_uri
from desktop.token_store import TokenPlace, TokenStore

logger = logging.getLogger(__name__)

APP_NAME = "OrderBell"
SETTINGS_FILE = "settings.json"

_T = TypeVar("_T")


SERVER_URL_CONTEXT = "ServerAddress"
"""Translation context of the server address errors: show ``translate(SERVER_URL_CONTEXT, msg)``."""


# host[:port][/path] typed without a scheme (a name, an IPv4 address or a bracketed IPv6 one).
_BARE_ADDRESS = re.compile(r"^(?:[^/:\[\]]+|\[[0-9A-Fa-f:.]+\])(?::\d*)?(?:/(?!/).*)?$")


def validate_server_url(text: str) -> str:
    """The server address as ``http(s)://host[:port][/path]`` without a trailing slash.

    ``host[:port][/path]`` typed without a scheme is completed to ``http://`` (what a shop's
    own server on the local network speaks). Raises ValueError whose message says what to fix;
    the messages are fixed sentences so the UI can translate them with
    ``QCoreApplication.translate(SERVER_URL_CONTEXT, str(error))``.
    """
    candidate = text.strip()
    if _BARE_ADDRESS.match(candidate):
        candidate = f"http://{candidate}"
    if not candidate:
        raise ValueError(
            QT_TRANSLATE_NOOP(
                "ServerAddress", "Enter the server address, for example http://192.168.1.10:8000."
            )
        )
    if any(char.isspace() for char in candidate):
        raise ValueError(
            QT_TRANSLATE_NOOP("ServerAddress", "The server address must not contain spaces.")
        )
    parts = urlsplit(candidate)
    scheme = parts.scheme.lower()
    if scheme not in {"http", "https"} or not candidate.lower().startswith(f"{scheme}://"):
        raise ValueError(
            QT_TRANSLATE_NOOP(
                "ServerAddress", "The server address must start with http:// or https://."
            )
        )
    if "@" in parts.netloc:
        raise ValueError(
            QT_TRANSLATE_NOOP(
                "ServerAddress", "The server address must not contain a user name or password."
            )
        )
    if "?" in candidate or "#" in candidate:
        raise ValueError(
            QT_TRANSLATE_NOOP(
                "ServerAddress", "The server address must not contain a '?' or '#' part."
            )
        )
    host = parts.hostname
    if not host:
        raise ValueError(QT_TRANSLATE_NOOP("ServerAddress", "The server address has no host name."))
    if not valid_host(host):
        raise ValueError(
            QT_TRANSLATE_NOOP("ServerAddress", "The host name in the server address is not valid.")
        )
    try:
        explicit_port(parts)
    except ValueError:
        raise ValueError(
            QT_TRANSLATE_NOOP(
                "ServerAddress", "The port in the server address must be a number from 1 to 65535."
            )
        ) from None
    return urlunsplit((scheme, parts.netloc, parts.path.rstrip("/"), "", ""))


def _server_url_or_empty(value: str) -> str:
    return value if value == "" else validate_server_url(value)


def _printer_or_empty(value: str) -> str:
    return "" if value.strip() == "" else parse_printer_uri(value).uri


def _paper_width(value: int) -> int:
    if value not in PAPERS:
        raise ValueError(f"expected 58 or 80, got {value!r}")
    return value


@dataclass(frozen=True, slots=True)
class Setting:
    """One desktop setting as the table declares it, for loading, the dialog and the README."""

    name: str
    type: type
    default: Any
    description: str
    bounds: tuple[float, float] | None = None
    choices: tuple[str, ...] = ()
    normalize: Callable[[Any], Any] | None = None

    def check(self, value: object) -> Any:
        """``value`` if it is valid for this setting (normalised), else ValueError saying why."""
        if self.type is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if type(value) is not self.type:
            raise ValueError(f"expected {self.type.__name__}, got {value!r}")
        if isinstance(value, float) and not math.isfinite(value):
            raise ValueError(f"expected a finite number, got {value!r}")
        if self.bounds is not None and isinstance(value, int | float):
            low, high = self.bounds
            if not low <= value <= high:
                raise ValueError(f"expected {_number(low)}..{_number(high)}, got {value!r}")
        if self.choices and value not in self.choices:
            raise ValueError(f"expected one of {', '.join(self.choices)}, got {value!r}")
        if self.normalize is not None:
            value = self.normalize(value)
        return value


def _setting(
    default: _T,
    description: str,
    *,
    bounds: tuple[float, float] | None = None,
    choices: tuple[str, ...] = (),
    normalize: Callable[[Any], Any] | None = None,
) -> _T:
    """A dataclass field carrying its declaration (description, bounds, choices)."""
    declared = {"description": description, "bounds": bounds, "choices": choices}
    return field(default=default, metadata=declared | {"normalize": normalize})


@dataclass(frozen=True, slots=True)
class DesktopSettings:
    """Everything a counter PC remembers except the device token (that lives in the keyring).

    This class body IS the settings table: each line gives name, type, default, description and
    bounds. Constructing it with an invalid value raises ValueError naming the setting.
    """

    server_url: str = _setting(
        "", "server address, http(s)://host[:port]", normalize=_server_url_or_empty
    )
    language: str = _setting(
        "auto", "interface and speech language: auto, zh or en", choices=("auto", "zh", "en")
    )
    voice: str = _setting("", "speech voice id; empty picks one for the language")
    rate: int = _setting(180, "speech rate in words per minute", bounds=(80, 300))
    volume: float = _setting(1.0, "speech volume from 0 (silent) to 1 (full)", bounds=(0.0, 1.0))
    chime: bool = _setting(True, "ring the chime before each announcement")
    ring_mode: str = _setting(
        "announce",
        "announce: the chime and speech at each alert and repeat; continuous: the chime rings "
        "every few seconds until every order is handled (even with the chime off)",
        choices=("announce", "continuous"),
    )
    repeat_interval_s: int = _setting(
        30,
        "seconds between repeats of an unhandled alert; half as long once an order has waited "
        "2 minutes since payment, 10 s after 5 minutes",
        bounds=(10, 600),
    )
    link_down_threshold_s: int = _setting(
        60, "seconds without a link before the disconnect alarm", bounds=(15, 1800)
    )
    link_alarm_repeat_s: int = _setting(
        180, "seconds between spoken disconnect alarms", bounds=(60, 3600)
    )
    start_at_login: bool = _setting(
        False,
        "start OrderBell when the user logs in (the installed app offers it ticked on first run)",
    )
    printer: str = _setting(
        "",
        "kitchen printer: tcp://HOST[:9100], usb://VID:PID, serial://PORT, file://PATH, "
        "win32://NAME; empty prints nothing",
        normalize=_printer_or_empty,
    )
    print_on: str = _setting(
        "accept",
        "when a ticket prints: when the order is accepted, when it arrives, or never",
        choices=("accept", "arrival", "never"),
    )
    copies: int = _setting(1, "copies of each kitchen ticket", bounds=(1, 3))
    paper_mm: int = _setting(
        58, "paper width of the kitchen printer in mm: 58 or 80", normalize=_paper_width
    )
    ticket_text: str = _setting(
        "gb18030",
        "ticket text: gb18030 for Chinese printers, ascii for printers without Chinese fonts",
        choices=("gb18030", "ascii"),
    )
    ticket_title: str = _setting("", "first line of each ticket, e.g. the shop's name")
    auto_accept: bool = _setting(False, "accept every paid order on this PC at once (and print it)")

    def __post_init__(self) -> None:
        for spec in SETTINGS:
            value = getattr(self, spec.name)
            try:
                checked = spec.check(value)
            except ValueError as exc:
                raise ValueError(f"setting {spec.name}: {exc}") from None
            if checked != value or type(checked) is not type(value):
                object.__setattr__(self, spec.name, checked)


def _declarations() -> tuple[Setting, ...]:
    kinds = {"str": str, "int": int, "float": float, "bool": bool}
    return tuple(
        Setting(
            name=item.name,
            type=kinds[str(item.type)],
            default=item.default,
            description=item.metadata["description"],
            bounds=item.metadata["bounds"],
            choices=item.metadata["choices"],
            normalize=item.metadata["normalize"],
        )
        for item in fields(DesktopSettings)
    )


SETTINGS: tuple[Setting, ...] = _declarations()
"""The settings table, in declaration order."""


def settings_table() -> str:
    """The settings as a Markdown table, for the README."""
    rows = ["| setting | default | range | meaning |", "|---|---|---|---|"]
    for spec in SETTINGS:
        default = "(empty)" if spec.default == "" else f"`{json.dumps(spec.default)}`"
        if spec.bounds is not None:
            allowed = f"{_number(spec.bounds[0])}–{_number(spec.bounds[1])}"
        elif spec.choices:
            allowed = ", ".join(spec.choices)
        else:
            allowed = ""
        rows.append(f"| `{spec.name}` | {default} | {allowed} | {spec.description} |")
    return "\n".join(rows)


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def settings_from_json(data: object) -> tuple[DesktopSettings, list[str]]:
    """Settings from a decoded settings file, and the problems found (each fell back to default).

    Never raises: a value of the wrong type or out of range falls back to its default, an unknown
    key is dropped, and each is reported as a problem.
    """
    if not isinstance(data, Mapping):
        return DesktopSettings(), [f"expected a JSON object, got {type(data).__name__}"]
    values: dict[str, Any] = {}
    problems: list[str] = []
    for spec in SETTINGS:
        if spec.name not in data:
            continue
        try:
            values[spec.name] = spec.check(data[spec.name])
        except ValueError as exc:
            problems.append(f"{spec.name}: {exc}; using the default {spec.default!r}")
    known = {spec.name for spec in SETTINGS}
    problems.extend(f"unknown setting {key!r} ignored" for key in data if key not in known)
    return DesktopSettings(**values), problems


class SettingsStore:
    """Loads and saves settings in ``config_dir/settings.json`` and the device token in a keyring.

    Nothing the user entered is ever lost: a damaged settings file is copied aside as
    ``settings.json.bad-<timestamp>`` before the good values are written back.
    """

    def __init__(
        self,
        config_dir: Path,
        keyring_backend: KeyringBackend | None = None,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.config_dir = config_dir
        self.path = config_dir / SETTINGS_FILE
        self.tokens = TokenStore(config_dir, keyring_backend)
        self._clock = clock

    def load(self) -> DesktopSettings:
        """The saved settings; defaults for a missing file or for each value that is unusable."""
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return DesktopSettings()
        except OSError as exc:
            logger.warning("cannot read settings %s, using defaults: %s", self.path, exc)
            return DesktopSettings()
        try:
            data = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            settings, problems = DesktopSettings(), [f"not valid JSON ({exc})"]
        else:
            settings, problems = settings_from_json(data)
        if problems:
            backup = keep_aside(self.path, self._clock())
            logger.warning(
                "settings file %s has problems (original kept as %s): %s",
                self.path,
                backup,
                "; ".join(problems),
            )
            if backup is not None:
                try:
                    self.save(settings)
                except OSError as exc:
                    logger.warning("cannot write the repaired settings %s: %s", self.path, exc)
        return settings

    def save(self, settings: DesktopSettings) -> None:
        """Write ``settings`` atomically (a crash leaves the old file or the new one)."""
        text = json.dumps(asdict(settings), ensure_ascii=False, indent=2) + "\n"
        write_atomically(self.path, text.encode("utf-8"))

    def load_token(self, server_url: str | None = None) -> str | None:
        """The device token for ``server_url`` (default: the saved one), or None if there is none.

        From the keyring, or the owner-only token file where no keyring could store it; a
        missing or locked keyring is logged and read as "no token", so settings open.
        """
        return self.tokens.load(token_account(self._server_url(server_url)))

    def save_token(self, token: str, server_url: str | None = None) -> TokenPlace:
        """Store the device token for ``server_url`` (default: the saved one); says where.

        Save the settings with the new server address first, or pass it here: the entry is
        named after the server's host. The keyring is tried first; without one the token goes
        to a file only this user can read. Raises TokenStorageError when neither works.
        """
        token = token.strip()
        if not token:
            raise ValueError("the device token is empty")
        return self.tokens.save(token_account(self._server_url(server_url)), token)

    def is_first_run(self) -> bool:
        """True while the server address or the device token is still missing."""
        settings = self.load()
        return not settings.server_url or self.load_token(settings.server_url) is None

    def _server_url(self, server_url: str | None) -> str:
        return self.load().server_url if server_url is None else server_url


def token_account(server_url: str) -> str:
    """The keyring user name for a server's token: its host, or "default" without a server."""
    try:
        host = urlsplit(server_url.strip()).hostname
    except ValueError:
        host = None
    return host or "default"


class MemoryKeyring(KeyringBackend):
    """A keyring that forgets everything at exit: for tests and the demo, never chosen by itself.

    Its negative priority keeps ``keyring`` from ever picking it as the user's keyring.
    """

    priority = -1

    def __init__(self) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self.passwords: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.passwords.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.passwords[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        try:
            del self.passwords[(service, username)]
        except KeyError:
            raise keyring.errors.PasswordDeleteError(username) from None


def default_config_dir() -> Path:
    """Where settings.json lives for this user."""
    return Path(user_config_dir(APP_NAME, appauthor=False))


def default_state_dir() -> Path:
    """Where the event cursor lives for this user."""
    return Path(user_state_dir(APP_NAME, appauthor=False))


def default_log_dir() -> Path:
    """Where the rotating log files live for this user."""
    return Path(user_log_dir(APP_NAME, appauthor=False))
