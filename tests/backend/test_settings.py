"""ORDERBELL_* settings: defaults, validation that names the variable, secrets kept out of sight."""

from __future__ import annotations

from pathlib import Path

import pytest

from backend.merchant import merchant_config
from backend.settings import (
    SETTINGS,
    ConfigError,
    Settings,
    load_settings,
    masked_url,
    read_environment,
    settings_table,
)

APIV3_KEY = "Sx7pQ2vLr9KdW4mZ8bTn3cYh6fGj1aEu"
JWT_SECRET = "jwt-secret-Hq93Lx0Zp"


def merchant(**changes: str) -> dict[str, str]:
    """A complete merchant environment, with some variables replaced or (with "") emptied."""
    environ = {
        "ORDERBELL_WECHATPAY_MCHID": "1900000109",
        "ORDERBELL_WECHATPAY_APPID": "wxd678efh567hg6787",
        "ORDERBELL_WECHATPAY_APIV3_KEY": APIV3_KEY,
        "ORDERBELL_WECHATPAY_PUBLIC_KEY_ID": "PUB_KEY_ID_0114232134912410000000000000",
        "ORDERBELL_WECHATPAY_PUBLIC_KEY_FILE": "/etc/orderbell/wechatpay_public_key.pem",
        "ORDERBELL_USER_JWT_SECRET": JWT_SECRET,
    }
    environ.update(changes)
    return environ


def config_error(environ: dict[str, str], *, require_merchant: bool = True) -> str:
    """The message of the ConfigError loading ``environ`` raises."""
    with pytest.raises(ConfigError) as caught:
        load_settings(environ, require_merchant=require_merchant)
    return str(caught.value)


def test_defaults_without_any_variable() -> None:
    """An empty environment gives the declared defaults when merchant settings are not needed."""
    settings = load_settings({}, require_merchant=False)
    assert settings == Settings()
    assert settings.reminder_cooldown_s == 60
    assert settings.ws_allow_anonymous is False
    assert settings.ws_queue_limit == 512
    assert settings.log_level == "INFO"


def test_declared_defaults_match_the_settings_fields() -> None:
    """Every declared variable's default is the default of its Settings field."""
    defaults = Settings()
    for spec in SETTINGS:
        field = spec.name.removeprefix("ORDERBELL_").lower()
        assert getattr(defaults, field) == spec.default, spec.name


def test_empty_value_means_default() -> None:
    """A variable set to the empty string falls back to its default."""
    settings = load_settings({"ORDERBELL_REMINDER_COOLDOWN_S": " "}, require_merchant=False)
    assert settings.reminder_cooldown_s == 60


def test_values_are_parsed_to_their_types() -> None:
    """Numbers, flags and paths arrive typed."""
    settings = load_settings(
        merchant(
            ORDERBELL_REMINDER_COOLDOWN_S="90",
            ORDERBELL_WS_ALLOW_ANONYMOUS="yes",
            ORDERBELL_WS_SEND_TIMEOUT_S="2.5",
            ORDERBELL_LOG_LEVEL="debug",
        )
    )
    assert settings.reminder_cooldown_s == 90
    assert settings.ws_allow_anonymous is True
    assert settings.ws_send_timeout_s == 2.5
    assert settings.log_level == "DEBUG"
    assert settings.wechatpay_public_key_file == Path("/etc/orderbell/wechatpay_public_key.pem")


def test_complete_merchant_configuration_loads() -> None:
    """The merchant settings load and keep their values."""
    settings = load_settings(merchant())
    assert settings.wechatpay_apiv3_key == APIV3_KEY
    assert settings.user_jwt_secret == JWT_SECRET


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("ORDERBELL_REMINDER_COOLDOWN_S", "soon"),
        ("ORDERBELL_REMINDER_COOLDOWN_S", "0"),
        ("ORDERBELL_REMINDER_COOLDOWN_S", "-60"),
        ("ORDERBELL_REMINDER_COOLDOWN_S", "1.5"),
        ("ORDERBELL_WS_ALLOW_ANONYMOUS", "maybe"),
        ("ORDERBELL_WS_QUEUE_LIMIT", "0"),
        ("ORDERBELL_WS_SEND_TIMEOUT_S", "-1"),
        ("ORDERBELL_WS_SEND_TIMEOUT_S", "nan"),
        ("ORDERBELL_WS_SEND_TIMEOUT_S", "inf"),
        ("ORDERBELL_WS_PING_INTERVAL_S", "0"),
        ("ORDERBELL_WS_PING_INTERVAL_S", "often"),
        ("ORDERBELL_LOG_LEVEL", "LOUD"),
        ("ORDERBELL_TIMEZONE", "Mars/Olympus_Mons"),
        ("ORDERBELL_TIMEZONE", "../../etc/passwd"),
        ("ORDERBELL_TIMEZONE", "Asia/\ud800"),
        ("ORDERBELL_TIMEZONE", "Asia/Shang\x00hai"),
        ("ORDERBELL_WECHATPAY_APIV3_KEY", APIV3_KEY[:31]),
        ("ORDERBELL_RECONCILE_AFTER_S", "0.5"),
        ("ORDERBELL_RECONCILE_AFTER_S", "nan"),
        ("ORDERBELL_RECONCILE_AFTER_S", "soon"),
        ("ORDERBELL_ORDER_EXPIRE_S", "0"),
        ("ORDERBELL_ORDER_EXPIRE_S", "inf"),
        ("ORDERBELL_WECHATPAY_MERCHANT_SERIAL", "not-hex"),
        ("ORDERBELL_WECHATPAY_MERCHANT_SERIAL", "A" * 41),
        ("ORDERBELL_WECHATPAY_API_URL", "api.mch.weixin.qq.com"),
        ("ORDERBELL_WECHATPAY_API_URL", "ftp://api.mch.weixin.qq.com"),
        ("ORDERBELL_WECHATPAY_API_URL", "https://api.mch.weixin.qq.com/v3"),
        ("ORDERBELL_WECHATPAY_API_URL", "https://api.mch.weixin.qq.com?x=1"),
        ("ORDERBELL_WECHATPAY_MODE", "provider"),
        ("ORDERBELL_WECHATPAY_MODE", "direct\x00"),
    ],
)
def test_invalid_value_names_its_variable(name: str, value: str) -> None:
    """Each invalid value raises ConfigError whose message names the variable."""
    message = config_error(merchant(**{name: value}))
    assert message.startswith(name)


@pytest.mark.parametrize(
    "key",
    [APIV3_KEY[:31], APIV3_KEY + "x", "密" * 32, APIV3_KEY[:16]],
    ids=["31", "33", "non-ascii", "16"],
)
def test_apiv3_key_must_be_32_ascii_characters(key: str) -> None:
    """An APIv3 key that is not exactly 32 ASCII characters is refused."""
    message = config_error(merchant(ORDERBELL_WECHATPAY_APIV3_KEY=key))
    assert "ORDERBELL_WECHATPAY_APIV3_KEY" in message
    assert "32" in message


def test_invalid_apiv3_key_is_not_shown() -> None:
    """The message about a wrong APIv3 key never contains the key."""
    key = "TOPSECRET-apiv3-key-of-31-chars"
    assert len(key) == 31
    message = config_error(merchant(ORDERBELL_WECHATPAY_APIV3_KEY=key))
    assert key not in message
    assert "TOPSECRET" not in message


@pytest.mark.parametrize(
    "name",
    [
        "ORDERBELL_WECHATPAY_MCHID",
        "ORDERBELL_WECHATPAY_APPID",
        "ORDERBELL_WECHATPAY_APIV3_KEY",
        "ORDERBELL_USER_JWT_SECRET",
    ],
)
def test_missing_merchant_setting_names_its_variable(name: str) -> None:
    """Serving callbacks without a merchant setting raises ConfigError naming it."""
    message = config_error(merchant(**{name: ""}))
    assert message.startswith(name)
    assert APIV3_KEY not in message
    assert JWT_SECRET not in message


def test_reconciliation_delays_accept_one_second() -> None:
    """Both delays accept any number of seconds from 1 up, so tests can run a lifecycle fast."""
    settings = load_settings(
        merchant(ORDERBELL_RECONCILE_AFTER_S="1", ORDERBELL_ORDER_EXPIRE_S="2.5")
    )
    assert (settings.reconcile_after_s, settings.order_expire_s) == (1.0, 2.5)


def test_reconciliation_is_off_without_a_merchant_key() -> None:
    """Without ORDERBELL_WECHATPAY_MERCHANT_KEY_FILE nothing is queried at WeChat Pay."""
    assert not load_settings(merchant()).reconciles


def test_merchant_key_and_serial_turn_reconciliation_on() -> None:
    """The merchant key with its serial turns reconciliation on; the serial is upper-cased."""
    settings = load_settings(
        merchant(
            ORDERBELL_WECHATPAY_MERCHANT_KEY_FILE="/etc/orderbell/apiclient_key.pem",
            ORDERBELL_WECHATPAY_MERCHANT_SERIAL="444f4864ea9b3441",
        )
    )
    assert settings.reconciles
    assert settings.wechatpay_merchant_serial == "444F4864EA9B3441"


@pytest.mark.parametrize(
    ("given", "missing"),
    [
        ("ORDERBELL_WECHATPAY_MERCHANT_KEY_FILE", "ORDERBELL_WECHATPAY_MERCHANT_SERIAL"),
        ("ORDERBELL_WECHATPAY_MERCHANT_SERIAL", "ORDERBELL_WECHATPAY_MERCHANT_KEY_FILE"),
    ],
)
def test_merchant_key_and_serial_come_together(given: str, missing: str) -> None:
    """One of the merchant key and its serial without the other names the missing one."""
    value = "/etc/orderbell/apiclient_key.pem" if given.endswith("FILE") else "444F4864EA9B3441"
    assert config_error(merchant(**{given: value})).startswith(missing)


def test_partner_mode_reaches_the_merchant_configuration() -> None:
    """ORDERBELL_WECHATPAY_MODE=Partner makes notifications and queries a service provider's."""
    settings = load_settings(merchant(ORDERBELL_WECHATPAY_MODE=" Partner "))
    assert settings.wechatpay_mode == "partner"
    assert merchant_config(settings).mode == "partner"
    assert merchant_config(load_settings(merchant())).mode == "direct"


def test_api_url_loses_a_trailing_slash() -> None:
    """The API address is kept without a trailing slash (paths are appended to it)."""
    settings = load_settings(merchant(ORDERBELL_WECHATPAY_API_URL="http://127.0.0.1:8090/"))
    assert settings.wechatpay_api_url == "http://127.0.0.1:8090"


def test_merchant_settings_not_required_for_tools() -> None:
    """Commands that serve no callbacks (token, migrate) load without merchant settings."""
    assert load_settings({}, require_merchant=False).wechatpay_mchid == ""


@pytest.mark.parametrize(
    "missing",
    ["ORDERBELL_WECHATPAY_PUBLIC_KEY_ID", "ORDERBELL_WECHATPAY_PUBLIC_KEY_FILE"],
)
def test_public_key_id_and_file_come_together(missing: str) -> None:
    """The public key id without its file, or the file without its id, is refused."""
    message = config_error(merchant(**{missing: ""}))
    assert "ORDERBELL_WECHATPAY_PUBLIC_KEY_ID" in message
    assert "ORDERBELL_WECHATPAY_PUBLIC_KEY_FILE" in message


def test_some_verification_key_is_required() -> None:
    """Neither a public key nor platform certificates: ConfigError naming the public key id."""
    message = config_error(
        merchant(ORDERBELL_WECHATPAY_PUBLIC_KEY_ID="", ORDERBELL_WECHATPAY_PUBLIC_KEY_FILE="")
    )
    assert message.startswith("ORDERBELL_WECHATPAY_PUBLIC_KEY_ID")


def test_platform_certificates_alone_suffice() -> None:
    """Platform certificates without a public key are a complete configuration."""
    settings = load_settings(
        merchant(
            ORDERBELL_WECHATPAY_PUBLIC_KEY_ID="",
            ORDERBELL_WECHATPAY_PUBLIC_KEY_FILE="",
            ORDERBELL_WECHATPAY_PLATFORM_CERTS="/a.pem:/b.pem",
        )
    )
    assert settings.wechatpay_platform_certs == (Path("/a.pem"), Path("/b.pem"))


def test_repr_hides_secrets() -> None:
    """repr(settings) shows *** for the APIv3 key and the JWT secret."""
    shown = repr(load_settings(merchant()))
    assert APIV3_KEY not in shown
    assert JWT_SECRET not in shown
    assert "wechatpay_apiv3_key='***'" in shown
    assert "user_jwt_secret='***'" in shown
    assert "1900000109" in shown


def test_repr_hides_database_password() -> None:
    """repr(settings) shows the database host but not the user and password in its URL."""
    url = "postgresql+asyncpg://orderbell:pw-S3CRET@db.internal:5432/orderbell"
    shown = repr(load_settings({"ORDERBELL_DATABASE_URL": url}, require_merchant=False))
    assert "pw-S3CRET" not in shown
    assert "postgresql+asyncpg://***@db.internal:5432/orderbell" in shown


@pytest.mark.parametrize(
    ("url", "masked"),
    [
        ("postgresql://u:p@host/db", "postgresql://***@host/db"),
        ("postgresql://u:p@ss@host/db", "postgresql://***@host/db"),
        ("sqlite+aiosqlite:////var/lib/orderbell.db", "sqlite+aiosqlite:////var/lib/orderbell.db"),
    ],
    ids=["plain", "at-in-password", "no-credentials"],
)
def test_masked_url_hides_credentials(url: str, masked: str) -> None:
    """Database URLs lose their credentials, even a password with an unescaped '@'."""
    assert masked_url(url) == masked


def test_env_file_is_read(tmp_path: Path) -> None:
    """Values come from the env file when the environment does not set them."""
    env_file = tmp_path / "orderbell.env"
    env_file.write_text("ORDERBELL_REMINDER_COOLDOWN_S=30\nORDERBELL_LOG_LEVEL='WARNING'\n")
    settings = load_settings(read_environment({}, env_file), require_merchant=False)
    assert (settings.reminder_cooldown_s, settings.log_level) == (30, "WARNING")


def test_environment_overrides_env_file(tmp_path: Path) -> None:
    """A variable set in the environment wins over the same variable in the env file."""
    env_file = tmp_path / "orderbell.env"
    env_file.write_text("ORDERBELL_REMINDER_COOLDOWN_S=30\nORDERBELL_WS_QUEUE_LIMIT=64\n")
    environ = read_environment({"ORDERBELL_REMINDER_COOLDOWN_S": "90"}, env_file)
    settings = load_settings(environ, require_merchant=False)
    assert (settings.reminder_cooldown_s, settings.ws_queue_limit) == (90, 64)


def test_only_orderbell_variables_are_read() -> None:
    """Unrelated environment variables are not picked up."""
    environ = read_environment({"PATH": "/usr/bin", "ORDERBELL_LOG_LEVEL": "ERROR"})
    assert environ == {"ORDERBELL_LOG_LEVEL": "ERROR"}


def test_missing_env_file_is_a_config_error(tmp_path: Path) -> None:
    """An env file that does not exist raises ConfigError naming the file."""
    with pytest.raises(ConfigError, match=r"nothing\.env"):
        read_environment({}, tmp_path / "nothing.env")


def test_settings_table_lists_every_variable() -> None:
    """The README table has one row per declared variable."""
    table = settings_table()
    for spec in SETTINGS:
        assert f"| `{spec.name}` |" in table
    assert len(table.splitlines()) == len(SETTINGS) + 2


def test_shops_are_in_shanghai_time_unless_told_otherwise() -> None:
    """ORDERBELL_TIMEZONE defaults to Asia/Shanghai and takes any IANA name."""
    assert str(load_settings({}, require_merchant=False).zone) == "Asia/Shanghai"
    urumqi = load_settings({"ORDERBELL_TIMEZONE": "Asia/Urumqi"}, require_merchant=False)
    assert str(urumqi.zone) == "Asia/Urumqi"


def test_an_unknown_time_zone_says_what_is_expected() -> None:
    """A misspelt zone is refused with an example of a valid one."""
    message = config_error({"ORDERBELL_TIMEZONE": "Asia/Shanghia"}, require_merchant=False)
    assert "e.g. Asia/Shanghai" in message


@pytest.mark.parametrize(
    "token",
    [
        "short-token",
        "sixteen chars ok!",
        "令牌令牌令牌令牌令牌令牌令牌令牌",
        "tab\tin-the-token-here",
    ],
)
def test_a_weak_or_unsendable_metrics_token_is_refused_without_showing_it(token: str) -> None:
    """Under 16 characters, a space or tab, non-ASCII: ConfigError naming the variable only."""
    message = config_error({"ORDERBELL_METRICS_TOKEN": token})
    assert message.startswith("ORDERBELL_METRICS_TOKEN")
    assert token not in message


def test_a_metrics_token_is_kept_secret() -> None:
    """A good metrics token loads, and repr shows *** for it."""
    token = "0123456789abcdef0123456789abcdef"
    settings = load_settings({"ORDERBELL_METRICS_TOKEN": token}, require_merchant=False)
    assert settings.metrics_token == token
    assert token not in repr(settings)


def test_the_http_reserve_is_read_as_a_whole_number() -> None:
    """ORDERBELL_HTTP_RESERVED_CONNECTIONS=2000 of 15,000: kept as set; unset, None (a tenth)."""
    settings = load_settings(
        {"ORDERBELL_MAX_CONNECTIONS": "15000", "ORDERBELL_HTTP_RESERVED_CONNECTIONS": "2000"},
        require_merchant=False,
    )
    assert settings.http_reserved_connections == 2000
    assert load_settings({}, require_merchant=False).http_reserved_connections is None


@pytest.mark.parametrize("reserve", ["10000", "10001", "9" * 40])
def test_an_http_reserve_not_below_the_total_cap_is_refused(reserve: str) -> None:
    """A reserve as large as the total cap leaves counters nothing: ConfigError naming both."""
    message = config_error({"ORDERBELL_HTTP_RESERVED_CONNECTIONS": reserve}, require_merchant=False)
    assert message.startswith("ORDERBELL_HTTP_RESERVED_CONNECTIONS")
    assert "below ORDERBELL_MAX_CONNECTIONS (10000)" in message


@pytest.mark.parametrize(
    "reserve", ["-1", "ten", "1.5", "1e3", "10\x00", "\udc80", "9" * 5000, "1\n" * 10_000]
)
def test_a_malformed_http_reserve_is_refused(reserve: str) -> None:
    """Negative, not a whole number, NUL, a lone surrogate, 5,000 digits, 10,000 lines: refused."""
    message = config_error({"ORDERBELL_HTTP_RESERVED_CONNECTIONS": reserve}, require_merchant=False)
    assert message.startswith("ORDERBELL_HTTP_RESERVED_CONNECTIONS is invalid")
