"""Versioned dataset storage: readers for each upload format, schema inference, and the table store."""
