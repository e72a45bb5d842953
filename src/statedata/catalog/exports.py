"""The catalog in other people's formats: DCAT-US 1.1 (``/data.json``) and schema.org ``Dataset``.

``/data.json`` lists only what the public may see: released public datasets. Optional fields are
left out rather than sent empty, because the schema's patterns refuse empty strings.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from statedata.catalog.datasets import visible_to
from statedata.catalog.models import Dataset
from statedata.catalog.vocabulary import accrual_periodicity
from statedata.identity.actor import Actor

DCAT_CONFORMS_TO = "https://project-open-data.cio.gov/v1.1/schema"
DCAT_CONTEXT = "https://project-open-data.cio.gov/v1.1/schema/catalog.jsonld"
DCAT_DESCRIBED_BY = "https://project-open-data.cio.gov/v1.1/schema/catalog.json"


def _date(value: Any) -> str | None:
    return value.date().isoformat() if value is not None else None


def _distributions(dataset: Dataset, base: str) -> list[dict[str, Any]]:
    api = f"{base}/api/v1/datasets/{dataset.public_id}"
    return [
        {
            "@type": "dcat:Distribution",
            "title": "CSV",
            "downloadURL": f"{api}/data.csv",
            "mediaType": "text/csv",
            "format": "CSV",
            "describedBy": f"{api}/datapackage.json",
            "describedByType": "application/json",
        },
        {
            "@type": "dcat:Distribution",
            "title": "Parquet",
            "downloadURL": f"{api}/data.parquet",
            "mediaType": "application/vnd.apache.parquet",
            "format": "Parquet",
        },
        {
            "@type": "dcat:Distribution",
            "title": "API",
            "accessURL": api,
            "format": "API",
        },
    ]


def dcat_dataset(dataset: Dataset, base_url: str) -> dict[str, Any]:
    """One dataset as a DCAT-US 1.1 (non-federal) entry."""
    base = base_url.rstrip("/")
    agency = dataset.agency.name if dataset.agency else "State of Connecticut"
    contact: dict[str, Any] = {"@type": "vcard:Contact", "fn": dataset.contact_name or agency}
    if dataset.contact_email:
        contact["hasEmail"] = f"mailto:{dataset.contact_email}"
    entry: dict[str, Any] = {
        "@type": "dcat:Dataset",
        "identifier": f"{base}/datasets/{dataset.public_id}",
        "title": dataset.title,
        "description": dataset.description or dataset.title,
        "accessLevel": "public",
        "publisher": {"@type": "org:Organization", "name": agency},
        "contactPoint": contact,
        "landingPage": f"{base}/datasets/{dataset.public_id}",
        "accrualPeriodicity": accrual_periodicity(dataset.update_frequency),
        "distribution": _distributions(dataset, base),
        "describedBy": f"{base}/api/v1/datasets/{dataset.public_id}/dictionary",
        "describedByType": "application/json",
        "language": ["en-US"],
    }
    optional = {
        "keyword": dataset.tags or None,
        "theme": [dataset.category] if dataset.category else None,
        "modified": _date(dataset.data_modified_at or dataset.updated_at),
        "issued": _date(dataset.published_at),
        "license": dataset.license or None,
        "spatial": dataset.spatial or None,
        "temporal": dataset.temporal_coverage or None,
        "references": [dataset.source_link] if dataset.source_link else None,
    }
    entry.update({key: value for key, value in optional.items() if value})
    return entry


def data_json(session: Session, base_url: str) -> dict[str, Any]:
    """The public catalog as a DCAT-US 1.1 ``data.json`` document."""
    public = visible_to(session, Actor.anonymous())
    found = session.scalars(select(Dataset).where(public).order_by(Dataset.title, Dataset.id))
    return {
        "@context": DCAT_CONTEXT,
        "@id": f"{base_url.rstrip('/')}/data.json",
        "@type": "dcat:Catalog",
        "conformsTo": DCAT_CONFORMS_TO,
        "describedBy": DCAT_DESCRIBED_BY,
        "dataset": [dcat_dataset(d, base_url) for d in found],
    }


def dataset_jsonld(dataset: Dataset, base_url: str) -> dict[str, Any]:
    """schema.org ``Dataset`` markup for a dataset page (what search engines read)."""
    base = base_url.rstrip("/")
    api = f"{base}/api/v1/datasets/{dataset.public_id}"
    agency = dataset.agency.name if dataset.agency else "State of Connecticut"
    markup: dict[str, Any] = {
        "@context": "https://schema.org/",
        "@type": "Dataset",
        "@id": f"{base}/datasets/{dataset.public_id}",
        "identifier": dataset.public_id,
        "name": dataset.title,
        "description": dataset.description or dataset.title,
        "url": f"{base}/datasets/{dataset.public_id}",
        "keywords": dataset.tags,
        "creator": {"@type": "GovernmentOrganization", "name": agency},
        "publisher": {"@type": "GovernmentOrganization", "name": agency},
        "isAccessibleForFree": True,
        "distribution": [
            {
                "@type": "DataDownload",
                "encodingFormat": "text/csv",
                "contentUrl": f"{api}/data.csv",
            },
            {
                "@type": "DataDownload",
                "encodingFormat": "application/vnd.apache.parquet",
                "contentUrl": f"{api}/data.parquet",
            },
        ],
        "variableMeasured": [
            {
                "@type": "PropertyValue",
                "name": field["name"],
                **({"description": field["description"]} if field.get("description") else {}),
            }
            for field in dataset.dictionary
        ],
    }
    if dataset.license:
        markup["license"] = dataset.license
    if dataset.temporal_coverage:
        markup["temporalCoverage"] = dataset.temporal_coverage
    if dataset.spatial:
        markup["spatialCoverage"] = {"@type": "Place", "name": dataset.spatial}
    if dataset.data_modified_at:
        markup["dateModified"] = dataset.data_modified_at.isoformat()
    if dataset.published_at:
        markup["datePublished"] = dataset.published_at.date().isoformat()
    if dataset.contact_email or dataset.contact_name:
        markup["contactPoint"] = {
            "@type": "ContactPoint",
            "name": dataset.contact_name or agency,
            **({"email": dataset.contact_email} if dataset.contact_email else {}),
        }
    return markup
