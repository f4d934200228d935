"""Routes of the registry service, one router per aggregate."""

from fastapi import APIRouter

from registry.accounts.api import router as accounts_router
from registry.auth.api import router as auth_router
from registry.clients.api import router as clients_router

# Every route of the service lives in one of these (the permission test walks them).
ROUTERS = (auth_router, accounts_router, clients_router)

router = APIRouter()
for _router in ROUTERS:
    router.include_router(_router)
