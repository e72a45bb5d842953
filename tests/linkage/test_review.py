"""The review queue: uncertain pairs by value with size and age, a pair side by side with its
waterfall, decide, skip and undo through the pages, and who may review."""

from __future__ import annotations

import math

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from statedata.core.audit import AuditEvent
from statedata.core.db import unit_of_work
from statedata.linkage.models import MatchDecision, ScoredPair
from statedata.linkage.review import queue_size, review_item, review_queue
from tests.factories import csrf_from, make_user, sign_in

WIDE = {"threshold": 0.9, "low": 0.01, "high": 0.999}


def test_the_queue_is_ordered_by_value_and_leaves_decided_pairs_out(
    session_factory: sessionmaker[Session], indexed: None
) -> None:
    with unit_of_work(session_factory) as session:
        items = review_queue(session, **WIDE, limit=200)
        assert len(items) >= 3
        at = math.log2(0.9 / 0.1)
        distances = [abs(item.match_weight - at) for item in items]
        assert distances == sorted(distances)
        assert all(0.01 <= item.probability < 0.999 for item in items)
        size = queue_size(session, 0.01, 0.999)
        assert size["waiting"] >= len(items) and size["oldest_days"] == 0
        first = items[0]
        # the waterfall adds up to the pair's match weight
        assert first.waterfall[-1].total == pytest.approx(first.match_weight, abs=0.01)
        assert first.waterfall[0].label.startswith("prior")
        session.add(MatchDecision(record_a=first.left.id, record_b=first.right.id, same=True))
        session.flush()
        assert first.pair_id not in {i.pair_id for i in review_queue(session, **WIDE, limit=200)}
        assert queue_size(session, 0.01, 0.999)["waiting"] == size["waiting"] - 1


def test_a_reviewer_reviews_decides_skips_and_undoes_through_the_pages(
    client: TestClient, session_factory: sessionmaker[Session], indexed: None, settings
) -> None:  # type: ignore[no-untyped-def]
    make_user(session_factory, "reviewer", "admin")  # reads both sides of every pair
    sign_in(client, "reviewer")
    client.app.state.settings = settings.model_copy(  # type: ignore[attr-defined]
        update={"linkage_review_low": 0.01, "linkage_review_high": 0.999}
    )
    queue = client.get("/persons/review")
    assert queue.status_code == 200
    assert "pairs waiting" in queue.text or "pair waiting" in queue.text
    with unit_of_work(session_factory) as session:
        first, second = review_queue(session, **WIDE, limit=2)
        pair_id, next_id = first.pair_id, second.pair_id
        left, right = first.left, first.right
    page = client.get(f"/persons/review/{pair_id}")
    assert page.status_code == 200
    assert left.record_id in page.text and right.record_id in page.text
    assert "Match weight, step by step" in page.text
    assert f'href="/persons/review/{next_id}">Skip' in page.text
    token = csrf_from(page.text)

    refused = client.post(f"/persons/review/{pair_id}", data={"csrf_token": token})
    assert "decision: choose" in refused.text  # no choice made: back to the pair, nothing kept
    decided = client.post(
        f"/persons/review/{pair_id}",
        data={"csrf_token": token, "decision": "different", "note": "twins"},
        follow_redirects=False,
    )
    assert decided.status_code == 303
    assert decided.headers["location"] == f"/persons/review/{next_id}"
    with unit_of_work(session_factory) as session:
        (decision,) = session.scalars(select(MatchDecision)).all()
        assert (decision.same, decision.note) == (False, "twins")
        left_person = review_item(session, pair_id).left.person_id
        assert review_item(session, pair_id).same_person_now is False
        audited = session.scalars(
            select(AuditEvent.action).where(AuditEvent.action.like("person.%"))
        ).all()
        assert "person.decide" in audited and "person.read" in audited

    person = client.get(f"/persons/{left_person}")
    assert person.status_code == 200
    assert "not the same person" in person.text and "Golden record" in person.text
    undo = client.post(
        f"/persons/decisions/{decision.id}/undo",
        data={"csrf_token": csrf_from(person.text)},
        follow_redirects=False,
    )
    assert undo.status_code == 303
    with unit_of_work(session_factory) as session:
        assert pair_id in {i.pair_id for i in review_queue(session, **WIDE, limit=500)}

    api = client.get("/api/v1/persons/review?limit=5")
    assert api.status_code == 200
    body = api.json()
    assert body["waiting"] >= 2 and len(body["pairs"]) == 5
    assert body["pairs"][0]["waterfall"][-1]["total"] == pytest.approx(
        body["pairs"][0]["match_weight"], abs=0.01
    )
    assert client.get("/api/v1/persons/review?limit=0").status_code == 422
    assert client.get("/persons/review/99999999").status_code == 404

    model = client.get("/api/v1/persons/model").json()
    assert model["version"] == 1 and model["versions"][0]["records"] > 0
    names = [c["name"] for c in model["comparisons"]]
    assert names[0] == "name" and "residence" in names
    exact = model["comparisons"][0]["levels"][0]
    assert exact["match_weight"] > 5 and exact["term_frequencies"]
    assert ["first_name", "last_name", "birth_year"] in model["blocking"]
    page = client.get("/persons/model")
    assert page.status_code == 200 and "Which pairs are compared" in page.text
    assert client.get("/persons/model?version=9").status_code == 404


def test_an_analyst_may_not_review(
    client: TestClient, session_factory: sessionmaker[Session], indexed: None
) -> None:
    make_user(session_factory, "analyst2", "analyst")
    sign_in(client, "analyst2")
    assert client.get("/persons/review").status_code == 403
    with unit_of_work(session_factory) as session:
        pair_id = session.scalar(select(ScoredPair.id).limit(1))
    assert client.get(f"/api/v1/persons/review/{pair_id}").status_code == 403
    assert "Person index" not in client.get("/").text
