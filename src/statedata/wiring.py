"""The platform's work, registered from the top: every kind of background job and every piece of
work on a clock, named in one place.

The ground floor (``statedata.core.jobs``) runs jobs and keeps the clock without knowing what any
of them do; each entry point (the web app, the command line, a worker, the test suite) calls
:func:`wire` once before it records or runs a job, so no lower floor imports a higher one to find
its work.
"""

from __future__ import annotations

from statedata.catalog.freshness import reminders
from statedata.catalog.loads import pipeline as load_pipeline
from statedata.catalog.loads import plan as load_plan
from statedata.catalog.loads import recovery as load_recovery
from statedata.catalog.sources import pulls
from statedata.core import mail
from statedata.core.config import SettingsCheck, settings_check
from statedata.core.jobs import JobFunction, PeriodicFunction, job_kind, periodic
from statedata.demo import jobs as demo_jobs
from statedata.identity.grants import GrantSource, grant_source
from statedata.linkage import golden
from statedata.linkage import sources as linkage_sources
from statedata.linkage.exchange import service as exchanges
from statedata.plan import snapshots as plan_snapshots
from statedata.privacy import releases
from statedata.sharing import agreements, extracts, requests

JOB_KINDS: dict[str, JobFunction] = {
    load_plan.LOAD_JOB: load_pipeline.load_upload_job,
    pulls.PULL_JOB: pulls.pull_job,
    linkage_sources.LOAD_JOB: linkage_sources.load_job,
    exchanges.LINK_JOB: exchanges.link_job,
    releases.RELEASE_JOB: releases.release_job,
    extracts.EXTRACT_JOB: extracts.extract_job,
    demo_jobs.DEMO_JOB: demo_jobs.generate_demo_job,
}
# name: (every so many minutes, what it does)
PERIODIC: dict[str, tuple[int, PeriodicFunction]] = {
    "core.deliver_outbox": (1, mail.deliver_outbox),
    "catalog.recover_interrupted_loads": (60, load_recovery.recover),
    "catalog.pull_due_sources": (1, pulls.enqueue_due_pulls),
    "catalog.freshness_reminders": (60, reminders.remind_stewards),
    "linkage.load_changed_sources": (5, linkage_sources.enqueue_changed_sources),
    "exchange.destroy_expired_identifiers": (60, exchanges.destroy_expired_identifiers),
    "sharing.request_reminders": (60, requests.remind_waiting_steps),
    "sharing.destroy_expired_extracts": (60, extracts.destroy_expired_extracts),
    "plan.snapshot_measures": (60, plan_snapshots.snapshot_monthly),
}


# Checks of the settings a domain gives meaning to, run whenever settings are read.
SETTINGS_CHECKS: dict[str, SettingsCheck] = {
    "linkage_survivorship": golden.check_survivorship,
}


# Where grants come from besides fulfilled requests.
GRANT_SOURCES: dict[str, GrantSource] = {
    "sharing.agreements_linking_through_the_index": agreements.index_grants,
}


def wire() -> None:
    """Register every job kind, periodic piece of work, settings check and grant source (safe to
    call more than once)."""
    for name, check in SETTINGS_CHECKS.items():
        settings_check(name, check)
    for name, source in GRANT_SOURCES.items():
        grant_source(name, source)
    for kind, runner in JOB_KINDS.items():
        job_kind(kind)(runner)
    for name, (minutes, work) in PERIODIC.items():
        periodic(name, every_minutes=minutes)(work)
