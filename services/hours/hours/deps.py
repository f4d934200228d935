"""FastAPI dependencies of the hours service: the registry client and the policy book built in the lifespan.

They are ``async def`` although they do not await: FastAPI runs a plain ``def`` dependency in its threadpool, a
thread hop per request for a dictionary lookup."""

from typing import Annotated

from fastapi import Depends, Request

from hours.clients.registry import RegistryClient
from hours.policy.resolve import PolicyBook


async def get_registry(request: Request) -> RegistryClient:
    registry: RegistryClient = request.app.state.registry
    return registry


async def get_policy(request: Request) -> PolicyBook:
    book: PolicyBook = request.app.state.policy
    return book


RegistryDep = Annotated[RegistryClient, Depends(get_registry)]
PolicyDep = Annotated[PolicyBook, Depends(get_policy)]
