"""Typed server settings from ORDERBELL_* environment variables, declared once in one table."""

from __future__ import annotations

import math
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dotenv import dotenv_values

from backend.admission import parse_trusted_proxies
from backend.wechatpay import API_URL, DIRECT, MODES


class ConfigError(ValueError):
    """Configuration the server cannot start with; the message names the variable."""


@dataclass(frozen=True, slots=True)
class Setting:
    """One configuration variable: its name, how to read it, its default and what it means."""

    name: str
    parse: Callable[[str], Any]
    default: Any
    description: str
    secret: bool = False
    merchant: bool = False  # needed only by commands that serve WeChat Pay callbacks


def _text(raw: str) -> str:
    return raw.strip()


def _flag(raw: str) -> bool:
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off", ""}:
        return False
    raise ValueError("expected 1 or 0")


def _positive_int(raw: str) -> int:
    value = int(raw.strip())
    if value <= 0:
        raise ValueError("expected a positive whole number")
    return value


def _whole_number(raw: str) -> int:
    value = int(raw.strip())
    if value < 0:
        raise ValueError("expected a whole number, 0 or more")
    return value


def _positive_float(raw: str) -> float:
    value = float(raw.strip())
    if not (math.isfinite(value) and value > 0):
        raise ValueError("expected a positive number of seconds")
    return value


LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


def _log_level(raw: str) -> str:
    value = raw.strip().upper()
    if value not in LOG_LEVELS:
        raise ValueError(f"expected one of {', '.join(LOG_LEVELS)}")
    return value


def _apiv3_key(raw: str) -> str:
    value = raw.strip()
    if len(value) != 32 or not value.isascii():
        raise ValueError("the APIv3 key must be exactly 32 ASCII characters")
    return value


def _mode(raw: str) -> str:
    value = raw.strip().lower()
    if value not in MODES:
        raise ValueError(f"expected {' or '.join(MODES)}")
    return value


def _delay_s(raw: str) -> float:
    value = float(raw.strip())
    if not (math.isfinite(value) and value >= 1):
        raise ValueError("expected a number of seconds, at least 1")
    return value


def _serial(raw: str) -> str:
    value = raw.strip().upper()
    if not re.fullmatch(r"[0-9A-F]{1,40}", value):
        raise ValueError("expected the certificate serial number in hex, e.g. 444F4864EA9B3441")
    return value


def _api_url(raw: str) -> str:
    value = raw.strip().rstrip("/")
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("expected an http(s) address such as https://api.mch.weixin.qq.com")
    if parts.path or parts.query or parts.fragment:
        raise ValueError("expected the API's address alone, without a path or query")
    return value


METRICS_TOKEN_MIN_CHARS = 16


def _metrics_token(raw: str) -> str:
    value = raw.strip()
    if len(value) < METRICS_TOKEN_MIN_CHARS or not value.isascii() or not value.isprintable():
        raise ValueError(
            f"expected at least {METRICS_TOKEN_MIN_CHARS} printable ASCII characters "
            "(e.g. from: openssl rand -hex 24)"
        )
    if any(char.isspace() for char in value):
        raise ValueError("the token cannot contain spaces")
    return value


def _timezone(raw: str) -> str:
    value = raw.strip()
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError("expected an IANA time zone name, e.g. Asia/Shanghai") from None
    return value


def _proxies(raw: str) -> str:
    value = ",".join(part.strip() for part in raw.split(",") if part.strip())
    parse_trusted_proxies(value)  # a bad entry stops start-up, naming the variable
    return value


def _paths(raw: str) -> tuple[Path, ...]:
    return tuple(Path(part.strip()) for part in raw.split(os.pathsep) if part.strip())


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "ORDERBELL_DATABASE_URL",
        _text,
        "",
        "SQLAlchemy async URL; default an SQLite file in the user data dir",
    ),
    Setting(
        "ORDERBELL_WECHATPAY_MCHID",
        _text,
        "",
        "merchant id (mchid) every notification must carry",
        merchant=True,
    ),
    Setting(
        "ORDERBELL_WECHATPAY_APPID",
        _text,
        "",
        "app id (appid) every payment notification must carry",
        merchant=True,
    ),
    Setting(
        "ORDERBELL_WECHATPAY_APIV3_KEY",
        _apiv3_key,
        "",
        "32-character APIv3 key that decrypts notifications",
        secret=True,
        merchant=True,
    ),
    Setting(
        "ORDERBELL_WECHATPAY_PUBLIC_KEY_ID",
        _text,
        "",
        "WeChat Pay public key id (PUB_KEY_ID_...)",
        merchant=True,
    ),
    Setting(
        "ORDERBELL_WECHATPAY_PUBLIC_KEY_FILE",
        lambda raw: Path(raw.strip()),
        None,
        "PEM file of the WeChat Pay public key",
        merchant=True,
    ),
    Setting(
        "ORDERBELL_WECHATPAY_PLATFORM_CERTS",
        _paths,
        (),
        "optional platform certificate PEM files, separated by ':' (';' on Windows)",
        merchant=True,
    ),
    Setting(
        "ORDERBELL_WECHATPAY_MODE",
        _mode,
        DIRECT,
        "direct (a merchant of its own) or partner (a service provider taking payments for "
        "sub-merchants: MCHID and APPID are the provider's, each shop's sub_mchid is set with "
        "`orderbell-server shop set`)",
        merchant=True,
    ),
    Setting(
        "ORDERBELL_WECHATPAY_MERCHANT_KEY_FILE",
        lambda raw: Path(raw.strip()),
        None,
        "PEM file of the merchant's API private key (apiclient_key.pem); set, the server queries "
        "unpaid orders at WeChat Pay and closes expired ones",
        merchant=True,
    ),
    Setting(
        "ORDERBELL_WECHATPAY_MERCHANT_SERIAL",
        _serial,
        "",
        "serial number of the merchant's API certificate (hex), sent with every API request",
        merchant=True,
    ),
    Setting(
        "ORDERBELL_WECHATPAY_API_URL",
        _api_url,
        API_URL,
        "WeChat Pay API address (a wechat-sim address for tests and drills)",
        merchant=True,
    ),
    Setting(
        "ORDERBELL_RECONCILE_AFTER_S",
        _delay_s,
        30.0,
        "seconds after submission an unpaid order is first queried at WeChat Pay; again at 2, 4, "
        "10 and 20 times that, then every 20 times that",
    ),
    Setting(
        "ORDERBELL_ORDER_EXPIRE_S",
        _delay_s,
        900.0,
        "seconds after submission an unpaid order is closed at WeChat Pay and cancelled (支付超时)",
    ),
    Setting(
        "ORDERBELL_USER_JWT_SECRET",
        _text,
        "",
        "HS256 secret of customer tokens (claim userId)",
        secret=True,
        merchant=True,
    ),
    Setting(
        "ORDERBELL_METRICS_TOKEN",
        _metrics_token,
        "",
        "bearer token Prometheus sends to GET /metrics (16+ characters); empty: /metrics is off",
        secret=True,
    ),
    Setting(
        "ORDERBELL_REMINDER_COOLDOWN_S",
        _positive_int,
        60,
        "minimum seconds between two reminders of one order",
    ),
    Setting(
        "ORDERBELL_WS_ALLOW_ANONYMOUS",
        _flag,
        False,
        "1 lets token-less legacy clients receive shop 1's events",
    ),
    Setting(
        "ORDERBELL_WS_QUEUE_LIMIT",
        _positive_int,
        512,
        "events queued for one slow counter before it is dropped (close 4408)",
    ),
    Setting(
        "ORDERBELL_WS_SEND_TIMEOUT_S",
        _positive_float,
        10.0,
        "seconds one frame may take to send before the counter is dropped (close 4408)",
    ),
    Setting(
        "ORDERBELL_WS_PING_INTERVAL_S",
        _positive_float,
        10.0,
        "seconds between keepalive pings; a peer that has not answered one within as long again "
        "(it stopped reading, or vanished) is disconnected",
    ),
    Setting(
        "ORDERBELL_WS_HANDSHAKE_TIMEOUT_S",
        _positive_float,
        10.0,
        "seconds from a WebSocket upgrade's request to the server's answer (101 or a refusal); "
        "past it the connection is dropped",
    ),
    Setting(
        "ORDERBELL_HTTP_HEADER_TIMEOUT_S",
        _positive_float,
        10.0,
        "seconds a client has to send a request's line and headers (from connecting, or from "
        "the request's first byte); past it: 408 and the connection is closed",
    ),
    Setting(
        "ORDERBELL_HTTP_BODY_TIMEOUT_S",
        _positive_float,
        10.0,
        "seconds a client has to send a request's body once its headers are in; past it: 408 "
        "and the connection is closed",
    ),
    Setting(
        "ORDERBELL_HTTP_IDLE_TIMEOUT_S",
        _positive_float,
        5.0,
        "seconds an idle keep-alive connection stays open between two requests",
    ),
    Setting(
        "ORDERBELL_MAX_CONNECTIONS",
        _positive_int,
        10000,
        "open connections (HTTP and WebSocket) the server takes in all; more are answered 503 "
        "and closed; lowered at start-up to what the open-file limit allows",
    ),
    Setting(
        "ORDERBELL_HTTP_RESERVED_CONNECTIONS",
        _whole_number,
        None,
        "connections of ORDERBELL_MAX_CONNECTIONS kept for plain HTTP (payment callbacks, "
        "reminders, admin): counters' WebSocket streams may hold only the rest, and an upgrade "
        "past that is answered 503; must be below the total cap; empty: a tenth of it",
    ),
    Setting(
        "ORDERBELL_MAX_CONNECTIONS_PER_CLIENT",
        _positive_int,
        128,
        "open connections one client address may hold (an IPv6 client counts by its /64); "
        "trusted proxies are exempt",
    ),
    Setting(
        "ORDERBELL_FORWARDED_ALLOW_IPS",
        _proxies,
        "127.0.0.1,::1",
        "proxies trusted to name the client in X-Forwarded-For/-Proto: addresses or networks, "
        "comma-separated, or *",
    ),
    Setting(
        "ORDERBELL_EVENT_RETENTION_DAYS",
        _positive_int,
        7,
        "days the event log keeps events for replay (since=); older ones are pruned hourly",
    ),
    Setting(
        "ORDERBELL_REVOCATION_CHECK_S",
        _positive_float,
        15.0,
        "seconds between checks that close the live streams of revoked device tokens",
    ),
    Setting(
        "ORDERBELL_TIMEZONE",
        _timezone,
        "Asia/Shanghai",
        "the shops' time zone: their day (daily order numbers and figures restart at its "
        "midnight), escalation opening hours and the times in messages",
    ),
    Setting(
        "ORDERBELL_LOG_LEVEL",
        _log_level,
        "INFO",
        "log level (DEBUG, INFO, WARNING, ERROR)",
    ),
)


@dataclass(frozen=True, slots=True)
class Settings:
    """The server's whole configuration."""

    database_url: str = ""
    wechatpay_mchid: str = ""
    wechatpay_appid: str = ""
    wechatpay_apiv3_key: str = ""
    wechatpay_public_key_id: str = ""
    wechatpay_public_key_file: Path | None = None
    wechatpay_platform_certs: tuple[Path, ...] = ()
    wechatpay_mode: str = DIRECT
    wechatpay_merchant_key_file: Path | None = None
    wechatpay_merchant_serial: str = ""
    wechatpay_api_url: str = API_URL
    reconcile_after_s: float = 30.0
    order_expire_s: float = 900.0
    user_jwt_secret: str = ""
    metrics_token: str = ""
    reminder_cooldown_s: int = 60
    ws_allow_anonymous: bool = False
    ws_queue_limit: int = 512
    ws_send_timeout_s: float = 10.0
    ws_ping_interval_s: float = 10.0
    ws_handshake_timeout_s: float = 10.0
    http_header_timeout_s: float = 10.0
    http_body_timeout_s: float = 10.0
    http_idle_timeout_s: float = 5.0
    max_connections: int = 10000
    http_reserved_connections: int | None = None
    max_connections_per_client: int = 128
    forwarded_allow_ips: str = "127.0.0.1,::1"
    event_retention_days: int = 7
    revocation_check_s: float = 15.0
    timezone: str = "Asia/Shanghai"
    log_level: str = "INFO"

    @property
    def reconciles(self) -> bool:
        """Whether unpaid orders are queried at WeChat Pay: the merchant's API key is set."""
        return self.wechatpay_merchant_key_file is not None

    @property
    def zone(self) -> ZoneInfo:
        """The shops' time zone (``ORDERBELL_TIMEZONE``)."""
        return ZoneInfo(self.timezone)

    def __repr__(self) -> str:
        shown = []
        for spec in SETTINGS:
            value = getattr(self, _field_name(spec))
            if spec.secret and value:
                value = "***"
            elif spec.name == "ORDERBELL_DATABASE_URL":
                value = masked_url(value)
            shown.append(f"{_field_name(spec)}={value!r}")
        return f"Settings({', '.join(shown)})"


def masked_url(url: str) -> str:
    """A database URL fit for logs: any user and password replaced by ``***``."""
    scheme, sep, rest = url.partition("://")
    if "@" in rest:
        # The last '@' ends the credentials even when an unescaped '@' is in the password.
        rest = "***@" + rest.rsplit("@", 1)[1]
    return scheme + sep + rest


def secret_values(settings: Settings) -> list[str]:
    """The configured secrets (and the database password), for the logs to mask."""
    values = [getattr(settings, _field_name(spec)) for spec in SETTINGS if spec.secret]
    _scheme, _sep, rest = settings.database_url.partition("://")
    credentials = rest.rsplit("@", 1)[0] if "@" in rest else ""
    values.append(credentials.partition(":")[2])
    return [value for value in values if value]


def _field_name(spec: Setting) -> str:
    return spec.name.removeprefix("ORDERBELL_").lower()


def read_environment(environ: Mapping[str, str], env_file: Path | None = None) -> dict[str, str]:
    """The ORDERBELL_* variables: the env file's values, overridden by the real environment."""
    merged: dict[str, str] = {}
    if env_file is not None:
        merged.update({k: v for k, v in _env_file_values(env_file).items() if v is not None})
    merged.update({k: v for k, v in environ.items() if k.startswith("ORDERBELL_")})
    return merged


def _env_file_values(env_file: Path) -> Mapping[str, str | None]:
    """The variables an env file sets; a file that cannot be read raises ConfigError."""
    if not env_file.is_file():
        raise ConfigError(f"env file {env_file} does not exist")
    try:
        return dotenv_values(env_file, encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"env file {env_file} cannot be read: it is not UTF-8 text (byte {exc.start})"
        ) from None
    except OSError as exc:
        raise ConfigError(f"env file {env_file} cannot be read: {exc.strerror or exc}") from None


def load_settings(environ: Mapping[str, str], *, require_merchant: bool = True) -> Settings:
    """Parse and check every setting; the first problem raises ConfigError naming its variable."""
    values: dict[str, Any] = {}
    for spec in SETTINGS:
        raw = environ.get(spec.name)
        if raw is None or raw.strip() == "":
            values[_field_name(spec)] = spec.default
            continue
        try:
            values[_field_name(spec)] = spec.parse(raw)
        except ValueError as exc:
            shown = "" if spec.secret else f" (got {raw!r})"
            raise ConfigError(f"{spec.name} is invalid{shown}: {exc}") from None
    settings = Settings(**values)
    _check_caps(settings)
    if require_merchant:
        _check_merchant(settings)
    return settings


def _check_caps(settings: Settings) -> None:
    reserved = settings.http_reserved_connections
    if reserved is not None and reserved >= settings.max_connections:
        raise ConfigError(
            f"ORDERBELL_HTTP_RESERVED_CONNECTIONS ({reserved}) must be below "
            f"ORDERBELL_MAX_CONNECTIONS ({settings.max_connections}): what the total leaves "
            "above the reserve is all the counters may hold"
        )


def _check_merchant(settings: Settings) -> None:
    for name in (
        "ORDERBELL_WECHATPAY_MCHID",
        "ORDERBELL_WECHATPAY_APPID",
        "ORDERBELL_WECHATPAY_APIV3_KEY",
        "ORDERBELL_USER_JWT_SECRET",
    ):
        if not getattr(settings, _field_name(_spec(name))):
            raise ConfigError(f"{name} is missing: {_spec(name).description}")
    has_public_key = bool(settings.wechatpay_public_key_id)
    if has_public_key != (settings.wechatpay_public_key_file is not None):
        raise ConfigError(
            "ORDERBELL_WECHATPAY_PUBLIC_KEY_ID and ORDERBELL_WECHATPAY_PUBLIC_KEY_FILE "
            "must be set together"
        )
    if settings.wechatpay_merchant_key_file is not None and not settings.wechatpay_merchant_serial:
        raise ConfigError(
            "ORDERBELL_WECHATPAY_MERCHANT_SERIAL is missing: it goes with "
            "ORDERBELL_WECHATPAY_MERCHANT_KEY_FILE (the serial of the merchant API certificate)"
        )
    if settings.wechatpay_merchant_serial and settings.wechatpay_merchant_key_file is None:
        raise ConfigError(
            "ORDERBELL_WECHATPAY_MERCHANT_KEY_FILE is missing: it goes with "
            "ORDERBELL_WECHATPAY_MERCHANT_SERIAL (the merchant's API private key, a PEM file)"
        )
    if not has_public_key and not settings.wechatpay_platform_certs:
        raise ConfigError(
            "ORDERBELL_WECHATPAY_PUBLIC_KEY_ID is missing: set the WeChat Pay public key "
            "(or ORDERBELL_WECHATPAY_PLATFORM_CERTS) so notifications can be verified"
        )


def _spec(name: str) -> Setting:
    return next(spec for spec in SETTINGS if spec.name == name)


def settings_table() -> str:
    """The README's configuration table, generated from the declarations."""
    rows = ["| variable | default | meaning |", "|---|---|---|"]
    for spec in SETTINGS:
        default = spec.default
        shown = "(empty)" if default in ("", None, ()) else f"`{_default_text(default)}`"
        rows.append(f"| `{spec.name}` | {shown} | {spec.description} |")
    return "\n".join(rows)


def _default_text(value: object) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    return str(value)
