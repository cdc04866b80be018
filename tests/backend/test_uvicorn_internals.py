"""The uvicorn internals our protocols build on are exactly the ones they were written against.

``CounterProtocol`` (backend/wsconnection.py) extends uvicorn's sans-I/O WebSocket protocol and
``EdgeHttpProtocol`` (backend/httpedge.py) its httptools protocol: both use private attributes
and override private methods, and ``CounterProtocol.run_asgi`` is a copy of uvicorn's with one
change. pyproject.toml pins uvicorn to the release line they were checked against; when a new
uvicorn is taken in, these tests name what changed, to be read before recording its digest.
"""

from __future__ import annotations

import ast
import hashlib
import inspect
import textwrap
import tomllib
from importlib.metadata import version
from pathlib import Path
from typing import Any

import pytest
from packaging.requirements import Requirement
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol, RequestResponseCycle
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol

from backend.httpedge import EdgeHttpProtocol
from backend.wsconnection import CounterProtocol, CounterSocket

PYPROJECT = Path(__file__).resolve().parents[2] / "pyproject.toml"
CHECKED_AGAINST = "0.54.0"

# Every method of the classes we extend, as uvicorn CHECKED_AGAINST wrote them (a digest of the
# syntax tree: formatting and comments do not count, code and docstrings do).
RECORDED: dict[type, dict[str, str]] = {
    WebSocketsSansIOProtocol: {
        "__init__": "4c8d8e503e1e",
        "connection_made": "781fdd3e7719",
        "connection_lost": "fc6e05069715",
        "eof_received": "52c13f019c5c",
        "pause_writing": "0b345b02f6c1",
        "resume_writing": "c8ea85305f0f",
        "shutdown": "2c8803491baf",
        "data_received": "27b52c88b43d",
        "handle_events": "a4cc0d7164cc",
        "handle_connect": "283d83d39232",
        "handle_cont": "64fc1beb28a5",
        "handle_text": "f904017209c4",
        "handle_bytes": "299e3252d4ed",
        "send_receive_event_to_app": "28f561b717a1",
        "handle_ping": "de8b800c11c0",
        "handle_pong": "7fb277e14a31",
        "start_keepalive": "853bc383addf",
        "stop_keepalive": "d42af5da0af2",
        "schedule_ping": "64a065b0d509",
        "send_keepalive_ping": "055f7ba5b03b",
        "keepalive_timeout": "de3a5c763a31",
        "handle_close": "6c1c9b38c093",
        "handle_parser_exception": "e7d55f502644",
        "on_task_complete": "c11926b2ad98",
        "run_asgi": "f430cb79fec6",
        "send_500_response": "09ff397ea268",
        "send": "07b0a9e5bc40",
        "receive": "35d5bdcf7345",
    },
    HttpToolsProtocol: {
        "__init__": "80bc5e98d525",
        "connection_made": "86b5f415d0f6",
        "connection_lost": "b376accd2bad",
        "eof_received": "52c13f019c5c",
        "_unset_keepalive_if_required": "4781fe6c95c5",
        "_get_upgrade": "fa372cd46eaf",
        "_should_upgrade_to_ws": "c6ce046f140a",
        "_unsupported_upgrade_warning": "5fa3a59c8a17",
        "_should_upgrade": "b57baeec9334",
        "data_received": "cfb48d758978",
        "handle_websocket_upgrade": "335f26f7331b",
        "send_400_response": "1512cb6082ef",
        "on_message_begin": "f9ed7312243e",
        "on_url": "1bc6c0fafb4c",
        "on_header": "78cf8b51be2b",
        "on_headers_complete": "8fbdd863a2a1",
        "_start_asgi_task": "aa8cdc4f3ce9",
        "on_body": "4f1804899025",
        "on_message_complete": "d23dbbe7c16d",
        "on_response_complete": "0709ec906406",
        "shutdown": "f50c93a28334",
        "pause_writing": "c32083e780b4",
        "resume_writing": "7cc791eca826",
        "timeout_keep_alive_handler": "46d603349ef9",
    },
}


def tree(function: Any) -> ast.FunctionDef | ast.AsyncFunctionDef:
    node = ast.parse(textwrap.dedent(inspect.getsource(function))).body[0]
    assert isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
    return node


def digest(function: Any) -> str:
    return hashlib.sha256(ast.dump(tree(function)).encode()).hexdigest()[:12]


def methods(cls: type) -> dict[str, Any]:
    return {name: f for name, f in vars(cls).items() if inspect.isfunction(f)}


def class_tree(cls: type) -> ast.ClassDef:
    node = ast.parse(textwrap.dedent(inspect.getsource(cls))).body[0]
    assert isinstance(node, ast.ClassDef)
    return node


def attributes_set(cls: type) -> set[str]:
    """Names a class gives its instances: ``self.x = ...`` anywhere in it, and its methods."""
    names = set(methods(cls))
    for node in ast.walk(class_tree(cls)):
        targets: list[ast.expr] = []
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, ast.AnnAssign | ast.AugAssign):
            targets = [node.target]
        for target in targets:
            for leaf in ast.walk(target):
                if isinstance(leaf, ast.Attribute) and _is_name(leaf.value, "self"):
                    names.add(leaf.attr)
    return names


def attributes_read(cls: type, owner: str) -> set[str]:
    """Attributes a class reads on ``owner`` (``self``, or a variable naming another object)."""
    return {
        node.attr
        for node in ast.walk(class_tree(cls))
        if isinstance(node, ast.Attribute) and _is_name(node.value, owner)
    }


def _is_name(node: ast.expr, name: str) -> bool:
    return isinstance(node, ast.Name) and node.id == name


def test_pyproject_pins_uvicorn_to_the_checked_release_line() -> None:
    """pyproject allows the uvicorn these internals were checked against, and nothing older
    (0.34 has no sans-I/O protocol at all) or newer."""
    with PYPROJECT.open("rb") as file:
        dependencies = tomllib.load(file)["project"]["dependencies"]
    (uvicorn,) = [Requirement(d) for d in dependencies if Requirement(d).name == "uvicorn"]
    allowed = uvicorn.specifier
    assert CHECKED_AGAINST in allowed
    assert "0.34.0" not in allowed
    assert "0.55.0" not in allowed
    assert version("uvicorn") in allowed


@pytest.mark.parametrize("base", list(RECORDED), ids=lambda cls: cls.__name__)
def test_the_uvicorn_classes_we_extend_are_unchanged(base: type) -> None:
    """Every method of uvicorn's protocol is the one our subclass was written against."""
    found = {name: digest(f) for name, f in methods(base).items()}
    changed = {
        name: (RECORDED[base].get(name), found.get(name))
        for name in set(found) | set(RECORDED[base])
        if found.get(name) != RECORDED[base].get(name)
    }
    assert changed == {}, (
        f"uvicorn {version('uvicorn')} changed {base.__name__}: (recorded, now) per method. "
        "Read the changes against backend/wsconnection.py and backend/httpedge.py first."
    )


def test_run_asgi_is_uvicorns_plus_the_detached_return() -> None:
    """CounterProtocol.run_asgi is uvicorn's, but a detached connection is not closed and a
    denial response (close_sent) is no missing handshake."""
    ours = tree(CounterProtocol.run_asgi)
    theirs = tree(WebSocketsSansIOProtocol.run_asgi)
    denials = [
        node
        for node in ast.walk(ours)
        if isinstance(node, ast.If)
        and isinstance(node.test, ast.BoolOp)
        and "close_sent" in ast.dump(node.test.values[-1])
    ]
    assert len(denials) == 1
    denials[0].test = denials[0].test.values[0]  # type: ignore[attr-defined]
    added = [
        statement
        for statement in ours.body
        if isinstance(statement, ast.If) and "detached" in ast.dump(statement.test)
    ]
    assert len(added) == 1
    ours.body.remove(added[0])
    assert ast.dump(ours) == ast.dump(theirs)


@pytest.mark.parametrize(
    ("ours", "owner", "bases"),
    [
        (CounterProtocol, "self", [WebSocketsSansIOProtocol, CounterProtocol]),
        (CounterSocket, "protocol", [WebSocketsSansIOProtocol, CounterProtocol]),
        (EdgeHttpProtocol, "self", [HttpToolsProtocol, EdgeHttpProtocol]),
        (EdgeHttpProtocol, "cycle", [RequestResponseCycle]),
    ],
    ids=["CounterProtocol", "CounterSocket", "EdgeHttpProtocol", "EdgeHttpProtocol-cycle"],
)
def test_every_attribute_we_use_exists(ours: type, owner: str, bases: list[type]) -> None:
    """Each attribute our code reads on uvicorn's objects is one they set or define."""
    known = set().union(*(attributes_set(cls) for cls in bases))
    known |= {name for cls in bases for name in dir(cls)}
    assert attributes_read(ours, owner) - known == set()
