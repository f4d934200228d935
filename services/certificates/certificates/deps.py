"""FastAPI dependencies of the certificates service: what the lifespan built, and the caller's bearer token."""

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from certificates.clients.hours import HoursClient
from certificates.clients.registry import RegistryClient
from certificates.config import Settings
from certificates.keys import KeyStore
from certificates.statuslists.service import StatusListCache
from certificates.verification.verifier import Verifier


@dataclass(frozen=True)
class Services:
    settings: Settings
    keys: KeyStore
    registry: RegistryClient
    hours: HoursClient
    status_lists: StatusListCache
    verifier: Verifier


async def get_services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


async def caller_authorization(request: Request) -> str:
    """The caller's ``Authorization`` header as it came (already verified by ``PrincipalDep``), to be forwarded to
    the hours service, which decides whose hours the caller may see."""
    return request.headers.get("authorization", "")


ServicesDep = Annotated[Services, Depends(get_services)]
AuthorizationDep = Annotated[str, Depends(caller_authorization)]
