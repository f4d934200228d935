"""Routes of the bases service: the service frame; its routes come with the bases issue."""

from fastapi import APIRouter

# Every route of the service lives in one of these; none yet.
ROUTERS: tuple[APIRouter, ...] = ()
