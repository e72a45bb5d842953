"""Pulled sources: where a dataset's data comes from (a file, a URL, a database query), fetching it, and the pulls that load it on its schedule."""
