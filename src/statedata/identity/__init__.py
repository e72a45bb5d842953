"""Agencies, users, roles, API tokens, browser sessions, and the one place that decides access."""
