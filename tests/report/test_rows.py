"""report/rows.py: formatting that must never fail on what a corrupt capture holds."""
from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from pcaptls.report.rows import civil_time, iso_time

MIN_S, MAX_S = -62135596800, 253402300799          # 0001-01-01 .. 9999-12-31T23:59:59


@given(st.integers(MIN_S, MAX_S))
def test_civil_time_agrees_with_datetime(seconds: int) -> None:
    expected = dt.datetime.fromtimestamp(seconds, tz=dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")
    year, rest = expected.split("-", 1)
    assert civil_time(seconds) == f"+{int(year):06d}-{rest}"


@given(st.integers(-2**63, 2**64))
def test_iso_time_never_fails(ts_ns: int) -> None:
    assert iso_time(ts_ns).endswith("Z")


def test_corrupt_far_future_timestamp() -> None:
    assert iso_time(3_675_000_000_000 * 10**9) == "+118426-02-11T05:20:00.000000Z"
    assert iso_time(1_700_000_000 * 10**9 + 123_456_789) == "2023-11-14T22:13:20.123456Z"
