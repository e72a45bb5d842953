"""Shared foundations: settings, the metadata database, security, errors, audit and jobs."""
