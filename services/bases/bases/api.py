"""Routes of the bases service: the service frame; its routes come with the bases issue."""

from fastapi import APIRouter

router = APIRouter()
