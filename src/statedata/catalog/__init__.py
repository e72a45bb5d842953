"""The catalog: every agency's datasets, their metadata, dictionaries, versions and exports."""

# The search index follows every change to a dataset through session events registered on import.
from statedata.catalog import search_index as _search_index  # noqa: F401
