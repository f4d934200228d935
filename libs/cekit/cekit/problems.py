"""RFC 9457 problem details: the one way every service reports an error.

Domain code raises ``DomainError`` subclasses that carry their HTTP status and a stable ``code``;
one set of handlers renders them, FastAPI's validation errors and anything unexpected as
``application/problem+json``. No stack trace ever reaches a client.
"""

import logging
from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from cekit.context import request_id_var

PROBLEM_JSON = "application/problem+json"
TYPE_BASE = "https://ce.example.gov.cn/problems/"

log = logging.getLogger("cekit.problems")


class DomainError(Exception):
    """A refusal the client can act on. Subclasses fix ``status``, ``code`` and ``title``."""

    status: int = 400
    code: str = "bad_request"
    title: str = "Bad request"

    def __init__(
        self,
        detail: str,
        *,
        code: str | None = None,
        errors: Sequence[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
        **extensions: Any,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        if code:
            self.code = code
        self.errors = list(errors) if errors else None
        self.headers = headers
        self.extensions = extensions


class NotFound(DomainError):
    status, code, title = 404, "not_found", "Not found"


class Unauthorized(DomainError):
    status, code, title = 401, "unauthorized", "Authentication required"

    def __init__(self, detail: str, **kw: Any) -> None:
        kw.setdefault("headers", {"WWW-Authenticate": 'Bearer error="invalid_token"'})
        super().__init__(detail, **kw)


class Forbidden(DomainError):
    status, code, title = 403, "forbidden", "Forbidden"


class Conflict(DomainError):
    status, code, title = 409, "conflict", "Conflict"


class Unprocessable(DomainError):
    status, code, title = 422, "unprocessable", "Unprocessable request"


class ServiceUnavailable(DomainError):
    status, code, title = 503, "service_unavailable", "Service unavailable"


_STATUS_CODES = {
    400: ("bad_request", "Bad request"),
    401: ("unauthorized", "Authentication required"),
    403: ("forbidden", "Forbidden"),
    404: ("not_found", "Not found"),
    405: ("method_not_allowed", "Method not allowed"),
    406: ("not_acceptable", "Not acceptable"),
    409: ("conflict", "Conflict"),
    413: ("payload_too_large", "Payload too large"),
    415: ("unsupported_media_type", "Unsupported media type"),
    422: ("validation_failed", "Validation failed"),
    429: ("rate_limited", "Too many requests"),
    500: ("internal_error", "Internal error"),
    502: ("bad_gateway", "Bad gateway"),
    503: ("service_unavailable", "Service unavailable"),
    504: ("gateway_timeout", "Gateway timeout"),
}


def problem_body(
    status: int,
    detail: str,
    *,
    code: str | None = None,
    title: str | None = None,
    errors: Sequence[dict[str, Any]] | None = None,
    instance: str | None = None,
    **extensions: Any,
) -> dict[str, Any]:
    default_code, default_title = _STATUS_CODES.get(status, ("error", "Error"))
    code = code or default_code
    body: dict[str, Any] = {
        "type": TYPE_BASE + code,
        "title": title or default_title,
        "status": status,
        "detail": detail,
        "code": code,
    }
    if instance:
        body["instance"] = instance
    if errors:
        body["errors"] = list(errors)
    request_id = request_id_var.get()
    if request_id:
        body["request_id"] = request_id
    body.update(extensions)
    return body


def problem_response(status: int, detail: str, *, headers: dict[str, str] | None = None, **kw: Any) -> JSONResponse:
    return JSONResponse(
        problem_body(status, detail, **kw), status_code=status, headers=headers, media_type=PROBLEM_JSON
    )


def _field_path(loc: Sequence[int | str]) -> str:
    # ("body", "records", 3, "hours") -> "records[3].hours": the path a client can find in its own document.
    parts = [p for p in loc if p not in ("body",)] if loc and loc[0] == "body" else list(loc)
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out or "body"


def validation_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    result = []
    for err in exc.errors():
        loc = err.get("loc", ())
        item: dict[str, Any] = {
            "field": _field_path(loc),
            "in": loc[0] if loc and loc[0] in ("body", "query", "path", "header", "cookie") else "body",
            "code": err.get("type", "invalid"),
            "message": err.get("msg", "invalid value"),
        }
        result.append(item)
    return result


async def _domain_error_handler(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DomainError)
    return problem_response(
        exc.status,
        exc.detail,
        code=exc.code,
        title=exc.title,
        errors=exc.errors,
        headers=exc.headers,
        instance=request.url.path,
        **exc.extensions,
    )


async def _validation_handler(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = validation_errors(exc)
    fields = ", ".join(e["field"] for e in errors[:5])
    return problem_response(
        422,
        f"The request is not valid: check {fields}.",
        code="validation_failed",
        errors=errors,
        instance=request.url.path,
    )


async def _http_exception_handler(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    detail = exc.detail if isinstance(exc.detail, str) else _STATUS_CODES.get(exc.status_code, ("", "Error"))[1]
    if exc.status_code == 404 and detail == "Not Found":
        detail = f"No resource at {request.url.path}."
    elif exc.status_code == 405:
        detail = f"{request.method} is not allowed on {request.url.path}."
    return problem_response(exc.status_code, detail, headers=dict(exc.headers or {}) or None, instance=request.url.path)


async def _unexpected_handler(request: Request, exc: Exception) -> JSONResponse:
    # Logged with its traceback for operators; the client gets the request id to quote, nothing more.
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return problem_response(
        500, "An unexpected error occurred. Quote the request id when reporting it.", instance=request.url.path
    )


def install_problem_handlers(app: FastAPI) -> None:
    app.add_exception_handler(DomainError, _domain_error_handler)
    app.add_exception_handler(RequestValidationError, _validation_handler)
    app.add_exception_handler(StarletteHTTPException, _http_exception_handler)
    app.add_exception_handler(Exception, _unexpected_handler)


class Problem(BaseModel):
    """RFC 9457 problem details with a stable machine ``code`` and per-field or per-item ``errors``."""

    type: str
    title: str
    status: int
    detail: str
    code: str
    instance: str | None = None
    request_id: str | None = None
    errors: list[dict[str, Any]] | None = None


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """Declare error answers in a route's OpenAPI ``responses`` (rendered as problem+json)."""
    return {s: {"model": Problem, "description": _STATUS_CODES.get(s, ("", "Error"))[1]} for s in statuses}
