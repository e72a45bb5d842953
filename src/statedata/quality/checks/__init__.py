"""One module per rule type; importing this package registers them all."""

from statedata.quality.checks import (  # noqa: F401 (each module registers its rule type)
    drift,
    enum,
    expression,
    freshness,
    length,
    pattern,
    primary_key,
    range,
    reference,
    required,
    row_count,
    type_conformance,
    unique,
)
