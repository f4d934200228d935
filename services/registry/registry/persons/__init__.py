"""People (专业技术人员) under their real name: registration, employment and title history, lookups."""
