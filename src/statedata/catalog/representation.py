"""Datasets and versions as JSON: the API's bodies and the pages' JSON twins use the same shapes."""

from __future__ import annotations

from typing import Any

from statedata.catalog.completeness import completeness_of
from statedata.catalog.datasets import dictionary_of, is_released
from statedata.catalog.freshness.states import freshness_of
from statedata.catalog.models import Dataset, DatasetVersion
from statedata.catalog.vocabulary import HIGH_VALUE_CRITERIA, accrual_periodicity
from statedata.core.db import utcnow


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def dataset_links(dataset: Dataset) -> dict[str, str]:
    base = f"/api/v1/datasets/{dataset.public_id}"
    return {
        "self": base,
        "page": f"/datasets/{dataset.public_id}",
        "dictionary": f"{base}/dictionary",
        "datapackage": f"{base}/datapackage.json",
        "versions": f"{base}/versions",
        "csv": f"{base}/data.csv",
        "parquet": f"{base}/data.parquet",
    }


def dataset_summary(dataset: Dataset) -> dict[str, Any]:
    """What a search result shows."""
    return {
        "id": dataset.public_id,
        "slug": dataset.slug,
        "title": dataset.title,
        "description": dataset.description,
        "agency": dataset.agency.code if dataset.agency else None,
        "agency_name": dataset.agency.name if dataset.agency else None,
        "category": dataset.category,
        "tags": dataset.tags,
        "classification": dataset.classification,
        "status": dataset.status,
        "update_frequency": dataset.update_frequency,
        "is_high_value": dataset.is_high_value,
        "rows": dataset.row_count,
        "version": dataset.current_version,
        "format": dataset.data_format,
        "data_modified_at": _iso(dataset.data_modified_at),
        "updated_at": _iso(dataset.updated_at),
        "links": dataset_links(dataset),
    }


def dataset_detail(dataset: Dataset) -> dict[str, Any]:
    """Everything the catalog knows of a dataset the viewer may see."""
    return {
        **dataset_summary(dataset),
        "row_label": dataset.row_label,
        "source_link": dataset.source_link,
        "geographic_unit": dataset.geographic_unit,
        "spatial": dataset.spatial,
        "temporal_coverage": dataset.temporal_coverage,
        "attribution": dataset.attribution,
        "contact_name": dataset.contact_name,
        "contact_email": dataset.contact_email,
        "accrual_periodicity": accrual_periodicity(dataset.update_frequency),
        "freshness": freshness_of(dataset, utcnow().date()).as_dict(),
        "license": dataset.license,
        "inventory": {
            "source_system": dataset.source_system,
            "legal_authority": dataset.legal_authority,
            "high_value_criteria": [
                {"code": code, "label": HIGH_VALUE_CRITERIA.get(code, code)}
                for code in dataset.high_value_criteria
            ],
            "is_gis": dataset.is_gis,
            "pii_present": dataset.pii_present,
            "steward": dataset.steward.username if dataset.steward else None,
            "open_data_status": dataset.open_data_status,
            "planned_publication_date": _iso(dataset.planned_publication_date),
        },
        "lifecycle": {
            "status": dataset.status,
            "released": is_released(dataset),
            "published_at": _iso(dataset.published_at),
            "review_requested_at": _iso(dataset.review_requested_at),
            "retired_at": _iso(dataset.retired_at),
            "private_after": _iso(dataset.private_after),
            "retirement_reason": dataset.retirement_reason,
        },
        "dictionary": dictionary_of(dataset),
        "completeness": completeness_of(dataset).as_dict(),
        "created_at": _iso(dataset.created_at),
    }


def version_out(dataset: Dataset, version: DatasetVersion) -> dict[str, Any]:
    base = f"/api/v1/datasets/{dataset.public_id}/versions/{version.number}"
    return {
        "number": version.number,
        "current": version.number == dataset.current_version,
        "status": version.status,
        "mode": version.mode,
        "rows": version.rows,
        "bytes": version.bytes,
        "source_name": version.source_name,
        "source_checksum": version.source_checksum,
        "rows_checksum": version.rows_checksum,
        "columns": version.columns,
        "schema_change": version.schema_change,
        "restored_from": version.restored_from,
        "note": version.note,
        "created_by": version.created_by_name,
        "created_at": _iso(version.created_at),
        "links": {
            "self": base,
            "rows": f"{base}/rows",
            "csv": f"{base}/data.csv",
            "parquet": f"{base}/data.parquet",
            "quality": f"{base}/quality",
        },
    }


def datapackage(dataset: Dataset, base_url: str) -> dict[str, Any]:
    """The dataset as a Frictionless Tabular Data Package whose resource is the current CSV."""
    base = base_url.rstrip("/")
    package: dict[str, Any] = {
        "profile": "tabular-data-package",
        "name": dataset.slug,
        "id": dataset.public_id,
        "title": dataset.title,
        "description": dataset.description,
        "homepage": f"{base}/datasets/{dataset.public_id}",
        "keywords": dataset.tags,
        "version": str(dataset.current_version),
        "resources": [
            {
                "profile": "tabular-data-resource",
                "name": dataset.slug,
                "path": f"{base}/api/v1/datasets/{dataset.public_id}/data.csv",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "schema": dictionary_of(dataset),
            }
        ],
    }
    if dataset.license:
        package["licenses"] = [{"path": dataset.license}]
    if dataset.contact_name or dataset.contact_email:
        package["contributors"] = [
            {"title": dataset.contact_name, "email": dataset.contact_email, "role": "maintainer"}
        ]
    return package
