"""docs/freshness.md, written from the expectations in force so that it cannot drift."""

from __future__ import annotations

from statedata.catalog.freshness.states import EXPECTATIONS


def thresholds_markdown() -> str:
    """The table of expectations, as docs/freshness.md shows it (generated, so it cannot drift)."""
    lines = [
        "| Update frequency | Next update due | Due from | Overdue | Delinquent |",
        "|---|---|---|---|---|",
    ]
    for e in EXPECTATIONS.values():
        notice = "the due date"
        if e.notice_days:
            notice = f"{e.notice_days} day{'s' if e.notice_days > 1 else ''} before"
        lines.append(
            f"| {e.frequency} | {e.period} after the last change | {notice} "
            f"| 1 day or more after the due date "
            f"| more than {e.delinquent_after_days} days after the due date |"
        )
    lines.append(
        "| As needed, Not updated (historical only), Other, none | no due date "
        "(`not_scheduled`) | | | |"
    )
    return "\n".join(lines) + "\n"


def freshness_document() -> str:
    """docs/freshness.md: the states, the reminders and the thresholds in force."""
    return DOCUMENT.replace("{thresholds}", thresholds_markdown())


DOCUMENT = """# Predictable open data: due dates, freshness states and reminders

<!-- Generated from statedata.catalog.freshness.states by `make docs`; a test fails when it drifts. -->

Every published dataset promises an update frequency. From the day its data last changed (a
published load; a version the quality gate blocked does not count; a dataset never loaded counts
from its publication) the frequency gives the date the next update is due. On any day each
dataset is in one state:

| State | Meaning |
|---|---|
| `current` | the next update is not near yet |
| `due` | the due date is within the frequency's notice window (or is today) |
| `overdue` | the due date has passed |
| `delinquent` | later than the frequency tolerates |
| `not_scheduled` | the frequency promises no date (As needed, Not updated, Other, none), or the dataset is not published |

Days are UTC calendar days. A month later is the same day of the month, or the month's last day
(January 31 is next due on February 28, or 29).

{thresholds}
## Reminders

The job queue's clock looks once an hour and writes one message per state a dataset reaches for
one due date: `due` to the steward before the due date, `overdue` to the steward after it, and
`delinquent` to the steward and the agency's data officers. A dataset with no steward who has an
email address goes to the agency's data officers, then to the dataset's contact address. Loading
new data moves the due date, so the next period starts afresh.

Messages go to the outbox first (`/outbox`, `/api/v1/outbox`: data officers and stewards see
their agency's, admins every agency's). When `STATEDATA_SMTP_HOST` is set the mailer sends them
within a minute, retrying a failure after 2, 4, 8 and 16 minutes before marking it `failed` with
the server's answer; without a mail server they are `held` in the outbox.

## Where to see it

- `/freshness` and `/api/v1/freshness`: every agency's datasets by state, the share on
  schedule, the open data access plan's on-time rate, the late datasets and this table;
- `/freshness/{agency}` and `/api/v1/freshness/{agency}`: each dataset's last change, due
  date and state;
- each dataset's page ("Next update due") and its JSON (`freshness`).
"""
