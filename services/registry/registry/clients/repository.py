"""Queries on machine clients."""

from sqlalchemy.ext.asyncio import AsyncSession

from registry.models import MachineClient


async def get(session: AsyncSession, client_id: str) -> MachineClient | None:
    return await session.get(MachineClient, client_id)


async def add(session: AsyncSession, client: MachineClient) -> None:
    session.add(client)
    await session.flush()
