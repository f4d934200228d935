"""httpx wrappers for the services the hours service calls, with their own small reader models."""
