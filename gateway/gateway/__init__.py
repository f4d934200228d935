"""The gateway: the one public entry point in front of the four services."""
