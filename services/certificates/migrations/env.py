from cekit.migrations import run_migrations
from certificates.config import Settings
from certificates.models import metadata

run_migrations(metadata, Settings().database_url)
