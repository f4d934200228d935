"""httpx wrappers for the services the certificates service calls, with their own small reader models."""
