"""The structured access log: one line per request, by route template, never a raw path."""

from __future__ import annotations

import logging

import httpx
import pytest
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from backend.accesslog import AccessLog, logfmt, logfmt_value

SECRET = "obt_secret-token-value"


class StepClock:
    """perf_counter that moves 2.5 ms between readings."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        self.now += 0.0025
        return self.now


async def order(request: Request) -> Response:
    return PlainTextResponse(f"order {request.path_params['id']}", status_code=201)


async def broken(request: Request) -> Response:
    raise RuntimeError("boom")


def tiny_app() -> Starlette:
    return Starlette(
        routes=[
            Route("/orders/{id:int}", order),
            Route("/broken", broken),
        ],
        middleware=[Middleware(AccessLog, clock=StepClock())],
    )


async def request(path: str) -> None:
    """One request through the middleware (a handler's exception becomes a 500)."""
    transport = httpx.ASGITransport(app=tiny_app(), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        await http.get(path)


async def test_a_request_is_one_line_with_method_template_status_and_duration(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """GET /orders/42: method, the template /orders/{id}, status 201, 2.5 ms, the client."""
    caplog.set_level(logging.INFO, logger="backend.access")
    await request("/orders/42")
    lines = [r.getMessage() for r in caplog.records if r.name == "backend.access"]
    assert lines == ["method=GET route=/orders/{id} status=201 duration_ms=2.5 client=127.0.0.1"]


async def test_the_query_string_and_path_values_never_appear(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A token in the query and an id in the path stay out of the line."""
    caplog.set_level(logging.INFO, logger="backend.access")
    await request(f"/orders/987654?token={SECRET}")
    text = caplog.text
    assert SECRET not in text
    assert "987654" not in text
    assert "route=/orders/{id}" in text


async def test_an_unknown_path_is_logged_without_its_text(caplog: pytest.LogCaptureFixture) -> None:
    """A 404 for /obt_... is logged as '(no route)', not by its path."""
    caplog.set_level(logging.INFO, logger="backend.access")
    await request(f"/{SECRET}")
    lines = [r.getMessage() for r in caplog.records if r.name == "backend.access"]
    assert lines == ['method=GET route="(no route)" status=404 duration_ms=2.5 client=127.0.0.1']


async def test_a_handler_that_raises_is_logged_as_500(caplog: pytest.LogCaptureFixture) -> None:
    """An exception in the handler still gives its line, with status 500."""
    caplog.set_level(logging.INFO, logger="backend.access")
    await request("/broken")
    lines = [r.getMessage() for r in caplog.records if r.name == "backend.access"]
    assert lines == ["method=GET route=/broken status=500 duration_ms=2.5 client=127.0.0.1"]


def test_values_with_spaces_quotes_or_newlines_stay_on_one_quoted_line() -> None:
    """A device name with a space, a quote, a newline and a lone surrogate: one quoted value."""
    assert logfmt_value("front counter") == '"front counter"'
    assert logfmt_value('a"b\nc') == '"a\\"b\\nc"'
    assert "\n" not in logfmt(device="x\n" * 10_000)
    assert logfmt_value("\ud800") == '"\\\\ud800"'
    assert logfmt_value("收银台") == "收银台"
