from cekit.migrations import run_migrations
from registry.config import Settings
from registry.models import metadata

run_migrations(metadata, Settings().database_url)
