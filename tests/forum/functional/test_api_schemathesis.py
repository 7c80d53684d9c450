"""Schemathesis against the OpenAPI document: generated requests, valid and invalid, against
every operation; no server error, and every answer matches the document.

Each operation is driven by hand from its Hypothesis strategy (schemathesis's own pytest
plugin does not load under pytest 9), and every failure is collected, so one run reports all
of them."""
from __future__ import annotations

import pytest

from forum import services
from forum.models import Role

schemathesis = pytest.importorskip("schemathesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402  (schemathesis brings it)
from hypothesis.errors import Unsatisfiable  # noqa: E402

EXAMPLES = 12  # per operation and mode; the CI run, not a search for every last case


@pytest.fixture
def api_schema(app, factory):
    """The served document, over a community with a thread and a member's token."""
    member = factory.user("schema_member")
    factory.user("schema_staff", role=Role.STAFF)
    factory.thread(title="Router keeps dropping wifi", body="Every evening at nine.")
    token = services.create_api_token(member, actor=None, name="schemathesis")[1]
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app), token


def _failures(operation, token: str, mode) -> list[str]:
    found: list[str] = []

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    def check(case):
        # ignored_auth re-sends without credentials, which an explicit header defeats; the
        # API's own tests cover refusing bad tokens (tests/forum/functional/test_api.py)
        case.call_and_validate(headers={"Authorization": f"Bearer {token}"},
                               excluded_checks=[schemathesis.checks.ignored_auth])

    try:
        check()
    except Unsatisfiable:  # nothing to break: an operation without parameters or body
        if mode is not schemathesis.GenerationMode.NEGATIVE:
            raise
    except (AssertionError, schemathesis.checks.FailureGroup) as failure:
        # the smallest failing case, with every check it failed (a BaseExceptionGroup)
        found.append(f"{operation.label} [{mode.value}]: {_describe(failure)}")
    return found


def _describe(failure: BaseException) -> str:
    text = str(failure)
    for sub in getattr(failure, "exceptions", ()):
        text += f" | {type(sub).__name__}: {str(sub)[:300]}"
    return text[:4000]


def test_api_every_operation_matches_document_and_never_errors(api_schema):
    schema, token = api_schema
    failures = []
    for result in schema.get_all_operations():
        operation = result.ok()
        for mode in schemathesis.GenerationMode:
            failures += _failures(operation, token, mode)
    assert failures == [], "\n\n".join(failures)
