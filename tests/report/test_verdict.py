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


def _random_rows(rng, n: int) -> list[dict]:
    versions = ["TLSv1.0", "TLSv1.1", "TLSv1.2", "TLSv1.3", None]
    rows = []
    for i in range(n):
        client = f"10.0.{rng.randrange(4)}.{rng.randrange(40)}"
        aws = rng.random() < 0.3
        rows.append({
            "client_ip": client, "server_name": rng.choice([None, "a.example", f"s{rng.randrange(30)}.example"]),
            "server_ip": f"52.0.0.{rng.randrange(9)}", "server_port": rng.choice([443, 8443]),
            "ts": f"2024-01-01T00:00:{rng.randrange(60):02d}Z", "last_ts": f"2024-01-01T00:01:{rng.randrange(60):02d}Z",
            "capture": rng.choice(["a.pcap", "b.pcap"]), "client_max_version": rng.choice(versions),
            "negotiated_version": rng.choice(versions), "cipher_suite": rng.choice([None, "TLS_AES_128_GCM_SHA256"]),
            "outcome": rng.choice(["established", "failed", "incomplete"]), "alert": rng.choice([None, "protocol_version"]),
            "alert_from": "server", "name_source": rng.choice([None, "sni", "dns"]),
            "aws_partition": "aws-us-gov" if aws else None, "aws_service": "monitoring" if aws else None,
            "aws_service_name": "CloudWatch" if aws else None, "aws_region": "us-gov-west-1" if aws else None,
            "aws_fips": aws, "tls12_required_since": "2021-03-31" if aws else None,
        })
    return rows


@pytest.mark.parametrize("seed", range(6))
def test_pairs_spilled_to_disk_give_the_same_report(seed: int) -> None:
    """An aggregator that may hold 3 pairs (the rest partial, in sorted runs on disk, merged at the end) gives
    the rows and the sentence of one that holds them all; so does summary() over the rows."""
    import random
    rows = _random_rows(random.Random(seed), 600)
    whole, small = Aggregator(), Aggregator(max_pairs=3)
    for row in rows:
        whole.add(row)
        small.add(row)
    assert len(small._runs) > 10
    expected, got = whole.finish(), small.finish()
    assert list(got) == list(expected) and got.summary == expected.summary == summary(list(expected))


def test_a_verdict_too_large_for_memory_is_read_from_disk(monkeypatch) -> None:
    import random
    from pcaptls.report import spill
    monkeypatch.setattr(spill, "DEFAULT_MAX_BYTES", 2000)
    rows = _random_rows(random.Random(9), 400)
    aggregate = Aggregator()
    for row in rows:
        aggregate.add(row)
    verdict = aggregate.finish()
    assert verdict.on_disk and len(verdict) == len(list(verdict)) == len(list(verdict)) > 20   # read twice


@pytest.mark.parametrize("rows", [[], [{"a": 1, "b": "é\u202e", "c": [1, {"d": None}]}, {"a": 2, "b": "", "c": []}]])
def test_the_json_report_written_a_row_at_a_time_is_json_dumps(rows) -> None:
    from pcaptls.report import render
    out = io.StringIO()
    render.write_report(rows, "A sentence.", "json", out, REPORT_FIELDS)
    assert out.getvalue() == json.dumps({"summary": "A sentence.", "rows": rows}, ensure_ascii=False, indent=2) + "\n"
