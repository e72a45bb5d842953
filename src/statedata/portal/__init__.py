"""Site-wide pages (home, jobs), the API index, templates and static files."""
