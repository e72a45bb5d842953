"""Predictable open data: each published dataset's due date and state, the statewide view, the reminders, and the generated document of the thresholds."""
