"""report/verdict.py and `pcaptls report`: the legacy-TLS verdict, end to end on the seed scenario."""
from __future__ import annotations

import csv
import io
import json

import pytest
from click.testing import CliRunner

import pcaptls
from pcaptls.cli import cli
from pcaptls.report.verdict import BROKEN, LEGACY, OK, REPORT_FIELDS, Aggregator, summary
from tests.conftest import CAPTURES

SEED = str(CAPTURES / "crafted" / "seed_cloudwatch_fips.pcap")


def _rows(path: str) -> list[dict]:
    agg = Aggregator()
    for conn in pcaptls.inspect_file(path).connections:
        agg.add_connection(conn)
    return agg.rows()


def test_seed_scenario_flags_the_tls10_client_of_the_cloudwatch_fips_endpoint() -> None:
    rows = _rows(SEED)
    top = rows[0]
    assert (top["verdict"], top["client_ip"], top["server"]) == (BROKEN, "10.25.35.243",
                                                                 "monitoring.us-gov-west-1.amazonaws.com")
    assert top["name_source"] == "dns" and top["server_ips"] == ["52.61.20.14", "52.61.20.2"]
    assert (top["aws_service_name"], top["aws_region"], top["aws_partition"], top["aws_fips"]) == \
        ("CloudWatch", "us-gov-west-1", "aws-us-gov", True)
    assert top["tls12_required_since"] == "2021-03-31" and top["cutoff_applies"] is True
    assert top["connections"] == 2 and top["failed"] == 2
    assert top["alerts"] == {"protocol_version from server": 2}
    assert top["client_max_version"] == "TLSv1.0"
    assert [r["verdict"] for r in rows[1:]] == [OK, OK, OK]      # the same host's TLS 1.2 program is fine


def test_summary_sentence() -> None:
    assert summary(_rows(SEED)) == ("1 of 3 clients (2 of 5 connections) offer nothing above TLS 1.1 and break "
                                    "when TLS 1.2 is required; 1 client-server pair already hits a TLS 1.2 cut-off.")
    assert summary(_rows(str(CAPTURES / "live" / "tls13.pcap"))).startswith("No client offers less than TLS 1.2")


def test_non_aws_legacy_is_legacy_not_broken() -> None:
    rows = _rows(str(CAPTURES / "live" / "tls10.pcap"))
    assert [r["verdict"] for r in rows] == [LEGACY] and rows[0]["tls12_required_since"] is None


@pytest.mark.parametrize("fmt", ["table", "json", "csv", "markdown"])
def test_report_command_formats(fmt: str) -> None:
    result = CliRunner().invoke(cli, ["report", SEED, "--format", fmt, "-q"])
    assert result.exit_code == 0
    out = result.stdout
    first = out.splitlines()[0]
    if fmt == "json":
        doc = json.loads(out)
        assert doc["summary"].startswith("1 of 3 clients") and doc["rows"][0]["verdict"] == BROKEN
    elif fmt == "csv":
        rows = list(csv.DictReader(io.StringIO(out)))
        assert tuple(rows[0]) == REPORT_FIELDS and rows[0]["verdict"] == BROKEN
    else:
        assert "1 of 3 clients" in first
        assert "CloudWatch us-gov-west-1 FIPS" in out and "2021-03-31" in out


def test_report_filters_and_gate() -> None:
    runner = CliRunner()
    result = runner.invoke(cli, ["report", SEED, "--fips-only", "--format", "json", "-q", "--fail-on", "legacy"])
    assert result.exit_code == 3
    assert {r["server"] for r in json.loads(result.stdout)["rows"]} == {
        "monitoring.us-gov-west-1.amazonaws.com", "sts.us-gov-west-1.amazonaws.com"}
    ok = runner.invoke(cli, ["report", SEED, "--client", "10.25.36.0/24", "-q", "--fail-on", "legacy"])
    assert ok.exit_code == 0 and "No client offers less than TLS 1.2" in ok.stdout


def test_seed_show_prints_the_record_version() -> None:
    result = CliRunner().invoke(cli, ["show", SEED, "--client", "10.25.35.243", "--sni",
                                      "monitoring.us-gov-west-1.amazonaws.com", "--no-color"])
    assert result.exit_code == 0
    assert result.stdout.count("Record layer version: TLS 1.0 (0x0301)") == 2
    assert "protocol_version" in result.stdout
