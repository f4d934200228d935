from cekit.migrations import run_migrations
from hours.config import Settings
from hours.models import metadata

run_migrations(metadata, Settings().database_url)
