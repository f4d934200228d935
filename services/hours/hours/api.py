"""Routes of the hours service: the service frame; the ledger's routes come with the hours issue."""

from fastapi import APIRouter

router = APIRouter()
