"""What the demo catalog publishes: each synthetic file as an agency's dataset, with its metadata.

Entries are data: the publisher in :mod:`statedata.demo.catalog` loads each in versions (rows
matching ``first_version`` first, then the rest appended) and moves it to its ``status``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# Column descriptions, PII categories and standard elements shared by every demo file.
COLUMNS: dict[str, tuple[str, str, str]] = {
    "record_id": ("The source system's record identifier", "identifier", ""),
    "first_name": ("Given name", "name", "person_name"),
    "middle_name": ("Middle name or initial", "name", "person_name"),
    "last_name": ("Family name", "name", "person_name"),
    "name_suffix": ("Suffix such as JR or III", "name", ""),
    "date_of_birth": ("Date of birth", "date_of_birth", "date_of_birth"),
    "sex": ("Sex as recorded by the source system", "other", "sex"),
    "ssn": ("Social Security number", "ssn", "ssn"),
    "street_address": ("Street address", "address", "address"),
    "town": ("Connecticut town", "none", "town"),
    "zip": ("ZIP code", "address", "zip"),
    "phone": ("Telephone number", "phone", "phone"),
    "town_fips": ("Town's county subdivision FIPS code", "none", ""),
    "planning_region": ("Connecticut planning region", "none", ""),
    "month": ("First day of the month counted", "none", ""),
    "year_quarter": ("Calendar quarter, as YYYY-Qn", "none", ""),
    "employer_fein": ("Employer's federal employer identification number", "identifier", "fein"),
    "fein": ("Federal employer identification number", "identifier", "fein"),
}


@dataclass(frozen=True)
class DemoEntry:
    file: str
    agency: str
    title: str
    description: str
    metadata: dict[str, Any]
    columns: dict[str, str] = field(default_factory=dict)  # descriptions of this file's own columns
    primary_key: tuple[str, ...] = ()
    first_version: str = "row_number <= 0.85 * total"  # SQL over the file's columns
    status: str = "published"
    select: str = "*"  # a projection or aggregate over the file (drafts made from person data)
    group_by: str = ""
    pulled: bool = False  # also pulled from a copy of its file in the source folder
    # Days since the data last changed, so that the freshness page shows every state.
    data_age_days: int = 0


PUBLIC_AGGREGATE = {"classification": "public", "open_data_status": "published"}
PERSON_LEVEL = {
    "classification": "restricted",
    "pii_present": True,
    "open_data_status": "not_for_publication",
    "geographic_unit": "Address or point",
}

ENTRIES: tuple[DemoEntry, ...] = (
    DemoEntry(
        "dot_crashes_by_town_month.parquet",
        "DOT",
        "Motor vehicle crashes by town and month",
        "Reported crashes on Connecticut roads counted by town and month, with those causing injury or death.",
        {
            **PUBLIC_AGGREGATE,
            "category": "Transportation",
            "row_label": "Town and month",
            "tags": ["crashes", "traffic safety", "roads"],
            "update_frequency": "Monthly",
            "geographic_unit": "Town",
            "spatial": "Connecticut",
            "is_high_value": True,
            "high_value_criteria": ["public_knowledge", "frequently_requested", "decision_making"],
            "source_system": "Crash reporting system",
            "legal_authority": "Conn. Gen. Stat. 14-108a",
        },
        {
            "crashes": "Crashes reported",
            "injury_crashes": "Crashes with an injury",
            "fatal_crashes": "Crashes with a death",
        },
        ("town", "month"),
        first_version="month < (SELECT max(month) FROM source) - INTERVAL 1 YEAR",
        data_age_days=40,
    ),
    DemoEntry(
        "dph_overdose_deaths_by_town_quarter.parquet",
        "DPH",
        "Drug overdose deaths by town and quarter (exact counts)",
        "Accidental drug overdose deaths by town of residence and quarter, and how many involved "
        "fentanyl, with every small count. The public table is released from it with small cells "
        "suppressed.",
        {
            "classification": "restricted",
            "open_data_status": "not_for_publication",
            "category": "Health and Human Services",
            "row_label": "Town and quarter",
            "tags": ["overdose", "opioids", "fentanyl"],
            "update_frequency": "Quarterly",
            "geographic_unit": "Town",
            "spatial": "Connecticut",
            "is_high_value": True,
            "high_value_criteria": ["public_knowledge", "core_mission", "public_demand"],
            "source_system": "Office of the Chief Medical Examiner case system",
        },
        {"deaths": "Overdose deaths", "fentanyl_involved": "Deaths involving fentanyl"},
        ("town", "year_quarter"),
        first_version="year_quarter < (SELECT max(year_quarter) FROM source)",
        data_age_days=84,
    ),
    DemoEntry(
        "deep_facilities_flood_zones.parquet",
        "DEEP",
        "Regulated facilities in flood zones",
        "Facilities regulated by DEEP with their location and the FEMA flood zone they lie in.",
        {
            **PUBLIC_AGGREGATE,
            "category": "Environment and Natural Resources",
            "row_label": "Facility",
            "tags": ["flood", "resilience", "facilities"],
            "update_frequency": "Annually",
            "geographic_unit": "Address or point",
            "is_gis": True,
            "source_system": "Facility permitting system",
        },
        {
            "facility_id": "DEEP facility identifier",
            "facility_type": "Kind of facility",
            "latitude": "Latitude (WGS 84)",
            "longitude": "Longitude (WGS 84)",
            "flood_zone": "FEMA flood zone",
        },
        ("facility_id",),
        data_age_days=470,
    ),
    DemoEntry(
        "sots_business_registrations.parquet",
        "SOTS",
        "Business registrations",
        "Businesses registered with the Secretary of the State, with their status and industry.",
        {
            **PUBLIC_AGGREGATE,
            "category": "Business",
            "row_label": "Business",
            "tags": ["business", "registrations"],
            "update_frequency": "Daily",
            "geographic_unit": "Address or point",
            "is_high_value": True,
            "high_value_criteria": ["economic_opportunity", "frequently_requested"],
            "source_system": "Business registry",
        },
        {
            "business_name": "Registered name",
            "registration_date": "Date registered",
            "status": "Registration status",
            "naics": "Industry (NAICS code)",
        },
        ("record_id",),
        pulled=True,
    ),
    DemoEntry(
        "dol_employers.parquet",
        "DOL",
        "Employers paying unemployment insurance",
        "Employers registered for unemployment insurance, with their location and size.",
        {
            "classification": "internal",
            "open_data_status": "under_review",
            "category": "Business",
            "row_label": "Employer",
            "update_frequency": "Quarterly",
            "geographic_unit": "Address or point",
            "source_system": "Unemployment insurance tax system",
        },
        {"employer_name": "Employer's name", "employees": "Employees reported"},
        ("record_id",),
        data_age_days=100,
    ),
    DemoEntry(
        "dss_enrollments.parquet",
        "DSS",
        "Program enrollments",
        "People enrolled in DSS programs (SNAP, Medicaid, TANF), one row per enrollment.",
        {
            **PERSON_LEVEL,
            "category": "Health and Human Services",
            "row_label": "Enrollment",
            "update_frequency": "Monthly",
            "source_system": "ImpaCT eligibility system",
            "legal_authority": "Conn. Gen. Stat. 17b-90",
        },
        {
            "case_number": "DSS case number",
            "program": "Program enrolled in",
            "enrollment_start_date": "Date the enrollment began",
            "enrollment_end_date": "Date the enrollment ended (empty while it lasts)",
        },
        ("record_id",),
    ),
    DemoEntry(
        "sde_students.parquet",
        "SDE",
        "Student enrollment records",
        "Students enrolled in Connecticut public schools, one row per student and school year.",
        {
            **PERSON_LEVEL,
            "category": "Education",
            "row_label": "Student and school year",
            "update_frequency": "Annually",
            "source_system": "Public School Information System",
            "legal_authority": "Family Educational Rights and Privacy Act",
        },
        {
            "sasid": "State-assigned student identifier",
            "race_ethnicity": "Race and ethnicity",
            "grade": "Grade level",
            "district_town": "Town of the school district",
            "school_year": "School year",
        },
        ("record_id",),
    ),
    DemoEntry(
        "dol_wages.parquet",
        "DOL",
        "Quarterly wage records",
        "Wages employers report for each worker each quarter.",
        {
            **PERSON_LEVEL,
            "category": "Business",
            "row_label": "Worker, employer and quarter",
            "update_frequency": "Quarterly",
            "geographic_unit": "Not geographic",
            "source_system": "Unemployment insurance tax system",
        },
        {"employer_name": "Employer's name", "wages": "Wages paid in the quarter (dollars)"},
        ("record_id",),
        status="draft",  # still being described by DOL's steward
    ),
    DemoEntry(
        "dmv_licenses.parquet",
        "DMV",
        "Driver licenses",
        "Connecticut driver licenses with the holder's identity and address.",
        {
            **PERSON_LEVEL,
            "category": "Transportation",
            "row_label": "License",
            "update_frequency": "Daily",
            "source_system": "Driver licensing system",
        },
        {
            "license_number": "License number",
            "issue_date": "Date issued",
            "expiration_date": "Date it expires",
        },
        ("record_id",),
    ),
    DemoEntry(
        "dph_births.parquet",
        "DPH",
        "Birth certificates",
        "Registered births with the child's identity and town of birth.",
        {
            **PERSON_LEVEL,
            "category": "Health and Human Services",
            "row_label": "Birth",
            "update_frequency": "Monthly",
            "source_system": "Vital records registry",
        },
        {"certificate_number": "Certificate number", "birth_town": "Town of birth"},
        ("record_id",),
    ),
    DemoEntry(
        "dph_deaths.parquet",
        "DPH",
        "Death certificates",
        "Registered deaths with the person's identity, residence and cause category.",
        {
            **PERSON_LEVEL,
            "category": "Health and Human Services",
            "row_label": "Death",
            "update_frequency": "Monthly",
            "source_system": "Vital records registry",
        },
        {
            "certificate_number": "Certificate number",
            "date_of_death": "Date of death",
            "residence_town": "Town of residence",
            "cause_category": "Cause of death category",
        },
        ("record_id",),
    ),
    DemoEntry(
        "sde_students.parquet",
        "SDE",
        "Public school enrollment by district and grade",
        "Students enrolled by school district town, school year and grade.",
        {
            **PUBLIC_AGGREGATE,
            "open_data_status": "planned",
            "planned_publication_date": "2026-09-30",  # missed: the access plan shows it overdue
            "category": "Education",
            "row_label": "District, school year and grade",
            "update_frequency": "Annually",
            "geographic_unit": "School district",
        },
        {
            "district_town": "Town of the school district",
            "school_year": "School year",
            "grade": "Grade level",
            "students": "Students enrolled",
        },
        ("district_town", "school_year", "grade"),
        status="in_review",
        select="district_town, school_year, grade, count(*) AS students",
        group_by="district_town, school_year, grade",
    ),
    DemoEntry(
        "dmv_licenses.parquet",
        "DMV",
        "Licensed drivers by town",
        "Driver licenses held by residents of each town.",
        {
            **PUBLIC_AGGREGATE,
            "category": "Transportation",
            "row_label": "Town",
            "update_frequency": "Annually",
            "geographic_unit": "Town",
        },
        {"licenses": "Licenses held"},
        ("town",),
        data_age_days=350,
        select="town, count(*) AS licenses",
        group_by="town",
    ),
    DemoEntry(
        "dot_crashes_by_town_month.parquet",
        "DOT",
        "Motor vehicle crashes by town (first years)",
        "The first published crash counts, kept for the record; use the monthly dataset instead.",
        {
            **PUBLIC_AGGREGATE,
            "category": "Transportation",
            "row_label": "Town and month",
            "tags": ["crashes"],
            "update_frequency": "Not updated (historical only)",
            "geographic_unit": "Town",
        },
        {"crashes": "Crashes reported"},
        ("town", "month"),
        first_version="month < (SELECT min(month) FROM source) + INTERVAL 1 YEAR",
        status="retired",
        select="town, month, crashes",
    ),
)
