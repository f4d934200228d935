"""The proxy path: a bare ASGI callable in front of one pooled aiohttp session.

No framework routing or middleware stack sits here: each of those costs a measurable share of the
throughput a service would otherwise keep (see ``scripts/bench_gateway.py``). The request headers are
read in one pass; route, token, rate limit and body size are checked in that order, cheapest first;
the request is forwarded with its Authorization header unchanged (services verify the token
themselves) and without any identity header a service could be tempted to trust.
"""

import itertools
import logging
import math
import os
import re
import time
from collections.abc import AsyncIterator
from urllib.parse import quote

import aiohttp
from yarl import URL

from cekit.context import request_id_var
from cekit.middleware import Receive, Scope, Send
from cekit.tokens import Principal, TokenError, bearer_token
from gateway.accesslog import AccessRecorder
from gateway.auth import KeysUnavailable, TokenCache
from gateway.metrics import PROXY_METRICS
from gateway.problems import send_problem
from gateway.ratelimit import RateLimiter
from gateway.routes import Route, RouteTable, has_dot_segment

log = logging.getLogger("gateway.proxy")

# RFC 9110 §7.6.1 connection-specific fields: they describe one hop and must not be forwarded.
HOP_BY_HOP = frozenset(
    {
        b"connection",
        b"keep-alive",
        b"proxy-authenticate",
        b"proxy-authorization",
        b"proxy-connection",
        b"te",
        b"trailer",
        b"transfer-encoding",
        b"upgrade",
    }
)
# Request fields the gateway sets itself rather than passing on. ``expect``: the body is read here
# already, so a 100-continue round trip upstream would only add latency.
_REQUEST_DROP = HOP_BY_HOP | {
    b"host",
    b"content-length",
    b"expect",
    b"x-request-id",
    b"x-forwarded-for",
    b"x-forwarded-proto",
    b"x-forwarded-host",
}
# uvicorn adds its own Date and Server to every response; the service's would make them double.
_RESPONSE_DROP = HOP_BY_HOP | {b"x-request-id", b"date", b"server"}

# Bodies up to this size are read whole and sent upstream in one write; larger ones stream through.
BUFFER_BYTES = 1 << 20
STREAM_CHUNK = 1 << 16
CLIENT_CLOSED = 499  # nginx's convention, for metrics only: nobody is left to receive it
WARN_EVERY_SECONDS = 5.0

# The same rule as cekit.middleware.incoming_request_id: a caller's id is kept only when it is sane.
_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


class RequestIds:
    """Request ids: the caller's when sane, else a per-process random prefix and a counter.

    As unique as uuid4 for tracing (the prefix is 64 random bits per process) at a tenth of the cost:
    uuid4 reads the kernel's random source on every request.
    """

    def __init__(self) -> None:
        self._prefix = os.urandom(8).hex()
        self._counter = itertools.count(1)

    def accept(self, incoming: bytes | None) -> str:
        if incoming is not None:
            text = incoming.decode("latin-1")
            if _VALID_REQUEST_ID.match(text):
                return text
        return f"{self._prefix}{next(self._counter):016x}"


class BodyTooLarge(Exception):
    pass


class ClientGone(Exception):
    pass


class _Upload:
    """Tracks a streamed upload, so an overflow raised inside aiohttp's writer is recognised afterwards."""

    __slots__ = ("overflowed",)

    def __init__(self) -> None:
        self.overflowed = False


class Proxy:
    def __init__(
        self,
        *,
        routes: RouteTable,
        session: aiohttp.ClientSession,
        tokens: TokenCache,
        limiter: RateLimiter,
        max_body_bytes: int,
        access_log: AccessRecorder | None = None,
    ) -> None:
        self.routes = routes
        self.session = session
        self.tokens = tokens
        self.limiter = limiter
        self.max_body = max_body_bytes
        self.request_ids = RequestIds()
        self.metrics = PROXY_METRICS
        self.access_log = access_log
        self._warned: dict[tuple[str, str], tuple[float, int]] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = time.perf_counter()
        method: str = scope["method"]
        path: str = scope["path"]
        route: Route | None = None
        status = 500
        try:
            route, status = await self._handle(scope, receive, send, method, path)
        finally:
            elapsed = time.perf_counter() - started
            service, label = (route.service, route.prefix) if route is not None else ("none", "unmatched")
            self.metrics.observe(service, label, method, status, elapsed)
            if self.access_log is not None:
                request_id = request_id_var.get() or ""
                self.access_log.record(request_id, method, path, status, label, round(elapsed * 1000, 2))

    async def _handle(
        self, scope: Scope, receive: Receive, send: Send, method: str, path: str
    ) -> tuple[Route | None, int]:
        """Answers one request; returns its route (metrics name it by prefix, never by raw path) and status."""
        # One pass over the incoming headers: pick out what the gateway needs, keep what goes upstream.
        forward: list[tuple[str, str]] = []
        authorization: bytes | None = None
        content_length: bytes | None = None
        chunked = False
        incoming_id: bytes | None = None
        forwarded_for: bytes | None = None
        host: bytes | None = None
        connection: bytes | None = None
        accept_encoding = False
        for name, value in scope["headers"]:
            if name in _REQUEST_DROP:
                if name == b"content-length":
                    content_length = value
                elif name == b"transfer-encoding":
                    chunked = True
                elif name == b"x-request-id":
                    incoming_id = value
                elif name == b"x-forwarded-for":
                    forwarded_for = value
                elif name == b"host":
                    host = value
                elif name == b"connection":
                    connection = value
                continue
            if name == b"authorization":
                authorization = value
            elif name == b"accept-encoding":
                accept_encoding = True
            forward.append((name.decode("latin-1"), value.decode("latin-1")))

        request_id = self.request_ids.accept(incoming_id)
        request_id_var.set(request_id)  # for log lines; the task's context dies with the request

        route = self.routes.match(path)
        if route is None:
            status = await send_problem(
                send, 404, f"No service answers {path}.", request_id=request_id, code="not_found", instance=path
            )
            return None, status
        if has_dot_segment(path):
            detail = "Paths with '.' or '..' segments are not accepted."
            return route, await send_problem(send, 400, detail, request_id=request_id, instance=path)

        client = scope.get("client")
        client_ip: str = client[0] if client else "unknown"

        # Token: required unless the route is public; a public route still uses a token it has seen.
        token = bearer_token(authorization.decode("latin-1")) if authorization is not None else None
        principal: Principal | None = None
        if route.public and route.is_public(method, path):
            if token is not None:
                principal = self.tokens.cached(token)
        elif token is None:
            status = await send_problem(
                send,
                401,
                "This path needs a bearer access token (Authorization: Bearer ...).",
                request_id=request_id,
                code="token_missing",
                instance=path,
                headers=[(b"www-authenticate", b"Bearer")],
            )
            return route, status
        else:
            try:
                principal = await self.tokens.principal(token)
            except KeysUnavailable:
                status = await send_problem(
                    send,
                    503,
                    "Access tokens cannot be checked right now: the registry's keys are unreachable.",
                    request_id=request_id,
                    code="token_keys_unavailable",
                    instance=path,
                    headers=[(b"retry-after", b"5")],
                )
                return route, status
            except TokenError as exc:
                # Refused tokens still count against the caller's address: each one cost a verification.
                wait = await self.limiter.acquire("ip:" + client_ip)
                if wait > 0:
                    return route, await self._too_many(send, wait, request_id, path)
                status = await send_problem(
                    send,
                    401,
                    f"The access token was refused: {exc}.",
                    request_id=request_id,
                    code="token_invalid",
                    instance=path,
                    headers=[(b"www-authenticate", b'Bearer error="invalid_token"')],
                )
                return route, status

        key = f"p:{principal.client_id}:{principal.subject}" if principal is not None else "ip:" + client_ip
        wait = await self.limiter.acquire(key)
        if wait > 0:
            return route, await self._too_many(send, wait, request_id, path)

        # Body: refused by its declared length before a byte is read, and counted while it is read.
        declared: int | None = None
        if content_length is not None:
            declared = int(content_length) if content_length.isdigit() else -1
            if declared < 0:
                detail = "Content-Length is not a number."
                return route, await send_problem(send, 400, detail, request_id=request_id, instance=path)
            if declared > self.max_body:
                return route, await self._body_too_large(send, request_id, path)
        upload = _Upload()
        data: bytes | AsyncIterator[bytes] | None = None
        if chunked or (declared is not None and declared > 0):
            try:
                data = await self._request_body(receive, upload)
            except BodyTooLarge:
                return route, await self._body_too_large(send, request_id, path)
            except ClientGone:
                return route, CLIENT_CLOSED
            if declared is not None and not isinstance(data, bytes):
                forward.append(("Content-Length", str(declared)))  # stream it without re-chunking
        elif declared == 0:
            data = b""

        if connection is not None:
            forward = _drop_connection_tokens(forward, connection)
        forward.append(("X-Request-ID", request_id))
        forward.append(("X-Forwarded-For", _forwarded_for(forwarded_for, client_ip)))
        forward.append(("X-Forwarded-Proto", scope.get("scheme", "http")))
        if host is not None:
            forward.append(("X-Forwarded-Host", host.decode("latin-1")))
        if not accept_encoding:
            # Else aiohttp would ask for gzip on the client's behalf, and the body (passed through
            # undecoded) would reach a client that never said it could read gzip.
            forward.append(("Accept-Encoding", "identity"))

        raw_path: bytes | None = scope.get("raw_path")
        target = route.upstream + (raw_path.decode("latin-1") if raw_path else quote(path))
        query: bytes = scope.get("query_string", b"")
        if query:
            target += "?" + query.decode("latin-1")
        url = URL(target, encoded=True)  # already percent-encoded: forwarded byte for byte
        return route, await self._forward(send, method, url, forward, data, upload, route.service, request_id)

    async def _forward(
        self,
        send: Send,
        method: str,
        url: URL,
        headers: list[tuple[str, str]],
        data: bytes | AsyncIterator[bytes] | None,
        upload: _Upload,
        service: str,
        request_id: str,
    ) -> int:
        response_started = False
        try:
            async with self.session.request(method, url, headers=headers, data=data, allow_redirects=False) as resp:
                status = resp.status
                out_headers: list[tuple[bytes, bytes]] = [(b"x-request-id", request_id.encode())]
                length = -1
                for name, value in resp.raw_headers:
                    lower = name.lower()
                    if lower in _RESPONSE_DROP:
                        continue
                    if lower == b"content-length" and value.isdigit():
                        length = int(value)
                    out_headers.append((lower, value))
                if 0 <= length <= BUFFER_BYTES:
                    # Read first: if the upstream dies mid-body, the client still gets a clean 502.
                    body = await resp.read()
                    response_started = True
                    await send({"type": "http.response.start", "status": status, "headers": out_headers})
                    await send({"type": "http.response.body", "body": body})
                    return status
                response_started = True
                await send({"type": "http.response.start", "status": status, "headers": out_headers})
                async for chunk in resp.content.iter_chunked(STREAM_CHUNK):
                    await send({"type": "http.response.body", "body": chunk, "more_body": True})
                await send({"type": "http.response.body", "body": b""})
                return status
        except Exception as exc:
            if isinstance(exc, ClientGone) or isinstance(exc.__cause__, ClientGone):
                return CLIENT_CLOSED  # left in the middle of its upload: nobody to answer
            if response_started:
                # Too late for a problem document; uvicorn closes the connection so the client sees the cut.
                self._warn(service, "broken_response", exc)
                return 502
            status, code, detail, extra = _upstream_failure(exc, upload, service)
            if status >= 500:
                self._warn(service, code, exc)
            return await send_problem(
                send,
                status,
                detail,
                request_id=request_id,
                code=code,
                instance=url.path,
                headers=extra,
                service=service,
            )

    def _warn(self, service: str, code: str, exc: BaseException) -> None:
        """One warning per service and kind of failure every few seconds, however many requests fail."""
        now = time.monotonic()
        key = (service, code)
        last, suppressed = self._warned.get(key, (0.0, 0))
        if now - last < WARN_EVERY_SECONDS:
            self._warned[key] = (last, suppressed + 1)
            return
        self._warned[key] = (now, 0)
        log.warning(
            "%s: %s (%s: %s)%s",
            service,
            code,
            type(exc).__name__,
            exc,
            f"; {suppressed} more like it since the last warning" if suppressed else "",
        )

    async def _request_body(self, receive: Receive, upload: _Upload) -> bytes | AsyncIterator[bytes]:
        """The body as bytes when it is small; else its first part and a stream of the rest."""
        chunks: list[bytes] = []
        size = 0
        more = True
        while more and size <= BUFFER_BYTES:
            message = await receive()
            if message["type"] == "http.disconnect":
                raise ClientGone
            chunk: bytes = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body:
                raise BodyTooLarge
            if chunk:
                chunks.append(chunk)
            more = message.get("more_body", False)
        if not more:
            return chunks[0] if len(chunks) == 1 else b"".join(chunks)
        return self._stream_rest(receive, chunks, size, upload)

    async def _stream_rest(
        self, receive: Receive, head: list[bytes], size: int, upload: _Upload
    ) -> AsyncIterator[bytes]:
        for chunk in head:
            yield chunk
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                raise ClientGone
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body:
                upload.overflowed = True
                raise BodyTooLarge
            if chunk:
                yield chunk
            if not message.get("more_body", False):
                return

    async def _too_many(self, send: Send, wait: float, request_id: str, path: str) -> int:
        seconds = max(1, math.ceil(wait))
        return await send_problem(
            send,
            429,
            f"Too many requests from this client; retry in {seconds} s.",
            request_id=request_id,
            code="rate_limited",
            instance=path,
            headers=[(b"retry-after", str(seconds).encode())],
        )

    async def _body_too_large(self, send: Send, request_id: str, path: str) -> int:
        return await send_problem(
            send,
            413,
            f"The request body is larger than the {self.max_body} bytes accepted.",
            request_id=request_id,
            code="payload_too_large",
            instance=path,
            limit_bytes=self.max_body,
        )


def _upstream_failure(
    exc: BaseException, upload: _Upload, service: str
) -> tuple[int, str, str, list[tuple[bytes, bytes]]]:
    """What the client hears when the upstream call failed: status, code, detail, extra headers."""
    if upload.overflowed or isinstance(exc, BodyTooLarge):
        return 413, "payload_too_large", "The request body is larger than the gateway accepts.", []
    if isinstance(exc, aiohttp.ClientConnectorError | aiohttp.ConnectionTimeoutError):
        detail = f"The {service} service is not reachable right now."
        return 503, "upstream_unavailable", detail, [(b"retry-after", b"1")]
    if isinstance(exc, TimeoutError):  # the total timeout, or a socket read that stalled
        return 504, "upstream_timeout", f"The {service} service did not answer in time.", []
    return 502, "bad_gateway", f"The {service} service gave no usable answer.", []


def _forwarded_for(incoming: bytes | None, client_ip: str) -> str:
    """The chain so far plus the client as the gateway sees it.

    Behind a trusted proxy, uvicorn's ``--forwarded-allow-ips`` has already taken the client's address
    from the chain's end; it is then not appended a second time.
    """
    if not incoming:
        return client_ip
    chain = incoming.decode("latin-1")
    if chain.rsplit(",", 1)[-1].strip() == client_ip:
        return chain
    return f"{chain}, {client_ip}"


def _drop_connection_tokens(headers: list[tuple[str, str]], connection: bytes) -> list[tuple[str, str]]:
    # Fields named in Connection are hop-by-hop too (RFC 9110 §7.6.1).
    named = {token.strip().lower() for token in connection.decode("latin-1").split(",")}
    named -= {"close", "keep-alive"}
    if not named:
        return headers
    return [(name, value) for name, value in headers if name not in named]
