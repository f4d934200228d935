from bases.config import Settings
from bases.models import metadata
from cekit.migrations import run_migrations

run_migrations(metadata, Settings().database_url)
