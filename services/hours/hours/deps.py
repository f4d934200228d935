"""FastAPI dependencies of the hours service: the registry client and the policy book built in the lifespan."""

from typing import Annotated

from fastapi import Depends, Request

from hours.clients.registry import RegistryClient
from hours.policy.resolve import PolicyBook


def get_registry(request: Request) -> RegistryClient:
    registry: RegistryClient = request.app.state.registry
    return registry


def get_policy(request: Request) -> PolicyBook:
    book: PolicyBook = request.app.state.policy
    return book


RegistryDep = Annotated[RegistryClient, Depends(get_registry)]
PolicyDep = Annotated[PolicyBook, Depends(get_policy)]
