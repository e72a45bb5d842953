"""Connecticut's open data metadata standard as data: the closed lists a dataset's fields draw from."""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

CATEGORIES = (
    "Business",
    "Education",
    "Environment and Natural Resources",
    "Government",
    "Health and Human Services",
    "Housing and Development",
    "Local Government",
    "Public Safety",
    "Tax and Revenue",
    "Transportation",
)

# Update frequency label -> (DCAT-US accrualPeriodicity, how often a pulled source is fetched).
UPDATE_FREQUENCIES: dict[str, tuple[str, timedelta | None]] = {
    "Not updated (historical only)": ("irregular", None),
    "As needed": ("irregular", None),
    "Annually": ("R/P1Y", timedelta(days=365)),
    "Bi-annually": ("R/P6M", timedelta(days=182)),
    "Quarterly": ("R/P3M", timedelta(days=91)),
    "Bi-monthly": ("R/P2M", timedelta(days=61)),
    "Monthly": ("R/P1M", timedelta(days=30)),
    "Bi-weekly": ("R/P2W", timedelta(days=14)),
    "Weekly": ("R/P1W", timedelta(days=7)),
    "Every weekday": ("R/P1D", timedelta(days=1)),
    "Daily": ("R/P1D", timedelta(days=1)),
    "Other": ("irregular", None),
}

# The statute's reasons a dataset is high-value data (Conn. Gen. Stat. 4-67p).
HIGH_VALUE_CRITERIA: dict[str, str] = {
    "critical_operations": "Critical to the operation of the agency",
    "accountability": "Increases the agency's accountability and responsiveness",
    "public_knowledge": "Improves public knowledge of the agency and its operations",
    "core_mission": "Furthers the core mission of the agency",
    "economic_opportunity": "Creates economic opportunity",
    "frequently_requested": "Frequently requested by the public",
    "public_demand": "Responds to a need identified through public consultation",
    "decision_making": "Used to make agency decisions",
}

GEOGRAPHIC_UNITS = (
    "State",
    "Planning region",
    "County",
    "Town",
    "ZIP code",
    "Census tract",
    "Census block group",
    "School district",
    "Address or point",
    "Not geographic",
)

LICENSES: dict[str, str] = {
    "https://creativecommons.org/publicdomain/zero/1.0/": "Public domain (CC0 1.0)",
    "https://creativecommons.org/licenses/by/4.0/": "Attribution (CC BY 4.0)",
    "https://opendatacommons.org/licenses/odbl/1-0/": "Open Database License (ODbL 1.0)",
}
DEFAULT_LICENSE = "https://creativecommons.org/publicdomain/zero/1.0/"

# PII categories a dictionary field may be tagged with (used by privacy and linkage later).
PII_CATEGORIES = (
    "none",
    "name",
    "date_of_birth",
    "ssn",
    "address",
    "phone",
    "email",
    "identifier",
    "account_number",
    "license_number",
    "health",
    "financial",
    "other",
)


class DatasetStatus(StrEnum):
    """Where a dataset is in its life: only published (and retired, during notice) are public."""

    DRAFT = "draft"
    IN_REVIEW = "in_review"
    PUBLISHED = "published"
    RETIRED = "retired"


class OpenDataStatus(StrEnum):
    """The inventory's answer to "is this open data?"."""

    PUBLISHED = "published"
    PLANNED = "planned"
    UNDER_REVIEW = "under_review"
    NOT_FOR_PUBLICATION = "not_for_publication"


RETIREMENT_NOTICE = timedelta(days=30)
ARCHIVE_PREFIX = "ARCHIVE: "


def accrual_periodicity(update_frequency: str) -> str:
    """The ISO 8601 repeating duration DCAT-US asks for (``irregular`` when there is none)."""
    return UPDATE_FREQUENCIES.get(update_frequency, ("irregular", None))[0]


def pull_interval(update_frequency: str) -> timedelta | None:
    """How often a configured source is pulled; None when the dataset is not on a schedule."""
    return UPDATE_FREQUENCIES.get(update_frequency, ("irregular", None))[1]


def next_pull_time(update_frequency: str, scheduled: datetime, now: datetime) -> datetime | None:
    """The first time after ``now`` on the schedule that ``scheduled`` is part of.

    A pull that was missed (the server was down) runs once, not once per missed period; None
    means the frequency has no schedule ("As needed") and sources are pulled on request only.
    """
    interval = pull_interval(update_frequency)
    if interval is None:
        return None
    following = scheduled + interval
    if following <= now:
        missed = (now - following) // interval + 1
        following += interval * missed
    return following
