"""Routes of the registry service: the service frame; its routes come with the registry issue."""

from fastapi import APIRouter

router = APIRouter()
