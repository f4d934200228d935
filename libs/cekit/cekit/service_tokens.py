"""A service's own access token (role ``service``), from the registry by client credentials (RFC 6749 §4.4)::

    POST {registry}/v1/auth/token   grant_type=client_credentials&client_id=…&client_secret=…
                                    → {access_token, expires_in}

The token is cached until shortly before it expires, and dropped at once when a peer refuses it (``forget``).
It is good for every service of the deployment (the audience is the deployment). Each failure is raised as the
calling service's own "peer unavailable" error (``unavailable``), a 503 the caller may retry: nothing was done.
"""

import asyncio
import time
from collections.abc import Callable
from typing import Any

import httpx
import orjson
from pydantic import BaseModel, ConfigDict, Field, ValidationError

TOKEN_PATH = "/v1/auth/token"
Unavailable = Callable[[str], Exception]


class _TokenAnswer(BaseModel):
    model_config = ConfigDict(extra="ignore")

    access_token: str
    expires_in: int = Field(gt=0)


class ServiceTokens:
    """``service``: the calling service's name, for messages (its settings prefix is ``<SERVICE>_``);
    ``unavailable``: the error the registry's failures are raised as."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        registry_url: str,
        client_id: str | None,
        client_secret: str | None,
        *,
        service: str,
        unavailable: Unavailable,
        refresh_margin_seconds: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._http = http
        self._url = registry_url.rstrip("/") + TOKEN_PATH
        self._client_id = client_id
        self._client_secret = client_secret
        self._service = service
        self._unavailable = unavailable
        self._margin = refresh_margin_seconds
        self._clock = clock
        self._token: str | None = None
        self._expires_at = 0.0
        self._lock = asyncio.Lock()
        self.fetched = 0

    async def token(self) -> str:
        if self._token is not None and self._clock() < self._expires_at:
            return self._token
        async with self._lock:  # one fetch for all the requests that found the token stale
            if self._token is not None and self._clock() < self._expires_at:
                return self._token
            if not self._client_id or not self._client_secret:
                prefix = self._service.upper()
                raise self._unavailable(
                    f"The {self._service} service has no registry client credentials "
                    f"({prefix}_REGISTRY_CLIENT_ID/_SECRET)."
                )
            form = {
                "grant_type": "client_credentials",
                "client_id": self._client_id,
                "client_secret": self._client_secret,
            }
            try:
                response = await self._http.post(self._url, data=form)
            except httpx.HTTPError as exc:
                raise self._unavailable(f"The registry cannot be reached ({type(exc).__name__}).") from exc
            if response.status_code != 200:
                raise self._unavailable(
                    f"The registry refused the {self._service} service's client credentials ({response.status_code})."
                )
            try:
                answer = _TokenAnswer.model_validate_json(response.content)
            except ValidationError as exc:
                raise self._unavailable("The registry's token answer could not be read.") from exc
            self.fetched += 1
            self._token = answer.access_token
            # Refresh a little early, but never treat a short-lived token as already expired.
            self._expires_at = self._clock() + answer.expires_in - min(self._margin, answer.expires_in / 2)
            return self._token

    def forget(self, token: str) -> None:
        if self._token == token:
            self._token = None
            self._expires_at = 0.0

    async def send(
        self,
        http: httpx.AsyncClient,
        method: str,
        url: str,
        *,
        params: dict[str, str | list[str]] | None = None,
        json: Any = None,
        unavailable: Unavailable,
        peer: str,
    ) -> httpx.Response:
        """A call with the service token, retried once with a fresh token if the peer refused ours (revoked or
        rotated keys). Only for calls the peer makes idempotent (a POST retried after a 401 never ran the first
        time). ``unavailable``: the error for this peer."""
        # orjson: httpx's own JSON encoding (the standard library's) cost a person lookup of 500 items 1 ms.
        content = None if json is None else orjson.dumps(json)
        for attempt in (1, 2):
            token = await self.token()
            headers = {"Authorization": f"Bearer {token}"}
            if content is not None:
                headers["Content-Type"] = "application/json"
            try:
                response = await http.request(method, url, params=params, content=content, headers=headers)
            except httpx.HTTPError as exc:
                raise unavailable(f"The {peer} service cannot be reached ({type(exc).__name__}).") from exc
            if response.status_code == 401 and attempt == 1:
                self.forget(token)
                continue
            return response
        raise unavailable(f"The {peer} service refused the {self._service} service's token.")

    async def get(
        self,
        http: httpx.AsyncClient,
        url: str,
        *,
        params: dict[str, str | list[str]] | None = None,
        unavailable: Unavailable,
        peer: str,
    ) -> httpx.Response:
        return await self.send(http, "GET", url, params=params, unavailable=unavailable, peer=peer)
