"""The web adapter's shared parts: dependencies, error responses and page rendering."""
