"""Routes of the certificates service: the service frame; its routes come with the certificates issue."""

from fastapi import APIRouter

router = APIRouter()
