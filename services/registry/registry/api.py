"""Routes of the registry service, one router per aggregate."""

from fastapi import APIRouter

from registry.accounts.api import router as accounts_router
from registry.auth.api import router as auth_router
from registry.clients.api import router as clients_router
from registry.imports.api import router as imports_router
from registry.organisations.api import router as organisations_router
from registry.persons.api import internal_router as persons_internal_router
from registry.persons.api import router as persons_router

# Every route of the service lives in one of these.
# (cekit.app puts their routes on the app itself.)
ROUTERS: tuple[APIRouter, ...] = (
    auth_router,
    accounts_router,
    clients_router,
    organisations_router,
    persons_router,
    persons_internal_router,
    imports_router,
)
