"""deploy/: the systemd unit, the compose file and its nginx configuration, checked as files and
against the command line, the settings and the README they go with."""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from backend.cli import build_parser
from backend.settings import SETTINGS
from tests.nginx import nginx_binary

REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "deploy"
README = REPO / "README.md"
SERVICE = "orderbell"  # the compose service, and the host name nginx proxies to


def unit_entries(path: Path) -> list[tuple[str, str, str]]:
    """(section, key, value) of a systemd unit, in order (keys may repeat)."""
    entries, section = [], ""
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            section = line.strip("[]")
            continue
        key, _, value = line.partition("=")
        entries.append((section, key.strip(), value.strip()))
    return entries


def unit_value(key: str) -> str:
    (value,) = [v for _, k, v in unit_entries(DEPLOY / "orderbell.service") if k == key]
    return value


def serve_args(argv: list[str]) -> Any:
    """The parsed ``orderbell-server`` command line (argv[0] is the program)."""
    assert Path(argv[0]).name == "orderbell-server"
    return build_parser().parse_args(argv[1:])


def compose() -> dict[str, Any]:
    data = yaml.safe_load((DEPLOY / "compose.yaml").read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def readme() -> str:
    return README.read_text(encoding="utf-8")


def readme_proxy_snippets() -> list[str]:
    """The README's nginx snippets for one server on 127.0.0.1:8080 (not the upstream example)."""
    blocks = re.findall(r"```nginx\n(.*?)```", readme(), re.S)
    return [block for block in blocks if "proxy_pass http://127.0.0.1:8080;" in block]


def normalized(text: str) -> str:
    """nginx text without comments and with single spaces, for comparing blocks."""
    lines = (line.split("#", 1)[0] if not line.lstrip().startswith('"') else line for line in
             text.splitlines())  # fmt: skip
    return " ".join(" ".join(lines).split())


def test_the_unit_serves_as_the_readme_says() -> None:
    """ExecStart is `serve` on 127.0.0.1:8080 with /etc/orderbell.env, as the README runs it."""
    args = serve_args(shlex.split(unit_value("ExecStart")))
    assert (args.command, args.host, args.port) == ("serve", "127.0.0.1", 8080)
    assert args.env_file == Path("/etc/orderbell.env")
    assert f"--env-file {args.env_file}" in readme()
    assert f"proxy_pass http://{args.host}:{args.port};" in readme()


def test_the_unit_restarts_and_raises_the_open_file_limit_the_readme_asks_for() -> None:
    """Restart=always, and LimitNOFILE equal to the README's advice."""
    assert unit_value("Restart") == "always"
    assert f"LimitNOFILE={unit_value('LimitNOFILE')}" in readme()


def test_systemd_accepts_the_unit(tmp_path: Path) -> None:
    """`systemd-analyze verify` finds nothing to say (the program path points at this venv)."""
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed")
    program = Path(sys.executable).parent / "orderbell-server"
    text = (DEPLOY / "orderbell.service").read_text(encoding="utf-8")
    unit = tmp_path / "orderbell.service"
    unit.write_text(text.replace("/opt/orderbell/venv/bin/orderbell-server", str(program)))
    checked = subprocess.run(
        [analyze, "verify", str(unit)], capture_output=True, text=True, timeout=30, check=False
    )
    assert checked.returncode == 0, checked.stderr
    assert checked.stderr.strip() == ""


def test_compose_runs_the_server_on_postgresql_behind_nginx() -> None:
    """Three services: PostgreSQL, the server (serve on the port nginx proxies to), nginx."""
    services = compose()["services"]
    assert set(services) == {"db", SERVICE, "nginx"}
    server = services[SERVICE]
    args = serve_args(server["command"])
    assert args.command == "serve"
    assert str(args.port) in server["expose"]
    url = server["environment"]["ORDERBELL_DATABASE_URL"]
    assert re.fullmatch(r"postgresql\+asyncpg://orderbell:\$\{\w+\}@db:5432/orderbell", url)
    assert server["depends_on"]["db"]["condition"] == "service_healthy"
    nginx = (DEPLOY / "nginx.conf").read_text(encoding="utf-8")
    assert set(re.findall(r"proxy_pass http://([\w.]+:\d+);", nginx)) == {f"{SERVICE}:{args.port}"}


def test_compose_sets_only_settings_the_server_knows() -> None:
    """Every ORDERBELL_* variable the compose file sets is a declared setting."""
    known = {spec.name for spec in SETTINGS}
    environment = compose()["services"][SERVICE]["environment"]
    assert set(environment) <= known


def test_the_image_runs_the_same_command_as_compose() -> None:
    """The Dockerfile's CMD and the compose command are one and the same `serve`."""
    dockerfile = (DEPLOY / "Dockerfile").read_text(encoding="utf-8")
    (cmd,) = re.findall(r"^CMD (\[.*\])$", dockerfile, re.M)
    assert yaml.safe_load(cmd) == compose()["services"][SERVICE]["command"]
    for copied in re.findall(r"^COPY (\S+) ", dockerfile, re.M):
        assert (REPO / copied).exists(), copied


def test_composes_nginx_holds_the_readmes_configuration() -> None:
    """Each README nginx snippet for one server is in deploy/nginx.conf, proxying to compose's."""
    ours = normalized((DEPLOY / "nginx.conf").read_text(encoding="utf-8"))
    snippets = readme_proxy_snippets()
    assert snippets
    for block in snippets:
        expected = normalized(block.replace("127.0.0.1:8080", f"{SERVICE}:8080"))
        assert expected in ours, f"deploy/nginx.conf lacks the README's:\n{block}"


def self_signed(directory: Path) -> tuple[Path, Path]:
    """A throw-away certificate and key for nginx -t."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "orders.example.com")])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    cert, pem = directory / "fullchain.pem", directory / "privkey.pem"
    cert.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    pem.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert, pem


def test_nginx_accepts_composes_configuration(tmp_path: Path) -> None:
    """A real `nginx -t` on deploy/nginx.conf inside http { } (paths moved into a temp dir)."""
    binary = nginx_binary()
    cert, key = self_signed(tmp_path)
    text = (DEPLOY / "nginx.conf").read_text(encoding="utf-8")
    # The compose network's name does not resolve here; the test checks syntax and certificates.
    text = text.replace(f"{SERVICE}:8080", "127.0.0.1:8080")
    text = text.replace("/etc/nginx/certs/fullchain.pem", str(cert))
    text = text.replace("/etc/nginx/certs/privkey.pem", str(key))
    text = text.replace("/var/log/nginx/", f"{tmp_path}/")
    temp = "\n".join(
        f"{kind}_temp_path {tmp_path / kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    config = tmp_path / "nginx.conf"
    config.write_text(
        f"pid {tmp_path / 'nginx.pid'};\nerror_log {tmp_path / 'error.log'};\n"
        f"events {{ worker_connections 64; }}\nhttp {{\n{temp}\n{text}\n}}\n",
        encoding="utf-8",
    )
    checked = subprocess.run(
        [binary, "-t", "-p", str(tmp_path), "-c", str(config)],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert checked.returncode == 0, checked.stderr
