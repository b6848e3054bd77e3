"""Problem JSON comes back as the exception class the server raised, with the same status, code, detail and errors."""

from __future__ import annotations

import httpx
import pytest

from lakemesh.core import errors
from lakemesh.pipelines.steps import QualityGateFailed
from lakemesh.sdk.transport import raise_for_problem


def problem(status: int, code: str, detail: str, **extra: object) -> httpx.Response:
    body = {"type": f"urn:lakemesh:problem:{code}", "title": "t", "status": status, "detail": detail, **extra}
    return httpx.Response(status, json=body, headers={"content-type": "application/problem+json"})


@pytest.mark.parametrize(
    "raised",
    [
        errors.NotFound("Domain 'x' not found"),
        errors.PreconditionFailed("stale"),
        errors.ContractViolation("bad rows", errors=[errors.ErrorItem(("rows", 3), "null", {"column": "id"})]),
        errors.PolicyViolation("blocked", errors=[errors.ErrorItem(("policy",), "pii", {"policy": "pii-tag"})]),
        QualityGateFailed("gate"),
    ],
)
def test_each_error_class_round_trips_with_its_fields(raised: errors.LakemeshError) -> None:
    response = problem(raised.status, raised.code, raised.detail, errors=[e.as_dict() for e in raised.errors])
    with pytest.raises(errors.LakemeshError) as back:
        raise_for_problem(response)
    got = back.value
    assert type(got) is type(raised)
    assert (got.status, got.code, got.detail, got.errors) == (raised.status, raised.code, raised.detail, raised.errors)


def test_a_body_that_is_not_a_problem_still_maps_by_status() -> None:
    with pytest.raises(errors.ServiceUnavailable) as back:
        raise_for_problem(httpx.Response(503, text="<html>bad gateway</html>"))
    assert back.value.status == 503 and back.value.code == "service-unavailable"
