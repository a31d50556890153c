"""The command line, through click's CliRunner: formats, output file, stdin, exit codes, stderr."""
from __future__ import annotations

import csv
import gzip
import io
import json
import subprocess
import sys

import pytest
from click.testing import CliRunner

from pcaptls.cli import cli
from pcaptls.report.rows import CONTRACT_FIELDS, FIELDS
from tests.conftest import CAPTURES, ROOT

TLS10 = str(CAPTURES / "live" / "tls10.pcap")
TRUNCATED = str(CAPTURES / "crafted" / "truncated.pcap")
REUSE = str(CAPTURES / "crafted" / "tuple_reuse.pcap")


def run(*args: str, input: bytes | None = None):
    return CliRunner().invoke(cli, list(args), input=input, catch_exceptions=False)


def test_table_shows_record_version_and_truth() -> None:
    result = run("inspect", TLS10)
    assert result.exit_code == 0
    assert "0x0301" in result.stdout and "TLSv1.0" in result.stdout
    assert "tls10.example.test" in result.stdout
    assert "1 TLS connections" in result.stderr


def test_json_has_every_field_in_order() -> None:
    result = run("inspect", REUSE, "--format", "json")
    assert result.exit_code == 0
    rows = json.loads(result.stdout)
    assert len(rows) == 3
    assert all(list(r) == list(FIELDS) for r in rows)
    assert list(FIELDS[: len(CONTRACT_FIELDS)]) == list(CONTRACT_FIELDS)
    assert len({r["conn"] for r in rows}) == 3                   # three connections on one 4-tuple


def test_jsonl_streams_one_object_per_line() -> None:
    result = run("inspect", REUSE, "--format", "jsonl")
    lines = result.stdout.splitlines()
    assert len(lines) == 3 and all(json.loads(line)["capture"] == REUSE for line in lines)


def test_csv_header_and_lists() -> None:
    result = run("inspect", TLS10, "--format", "csv")
    rows = list(csv.reader(io.StringIO(result.stdout)))
    assert tuple(rows[0]) == FIELDS
    row = dict(zip(rows[0], rows[1]))
    assert row["record_version"] == "0x0301" and row["hello_retry"] == "false"
    assert " " in row["client_cipher_suites"]


def test_output_file(tmp_path) -> None:
    out = tmp_path / "out.json"
    result = run("inspect", TLS10, "--format", "json", "--output", str(out))
    assert result.exit_code == 0 and result.stdout == ""
    assert json.loads(out.read_text())[0]["negotiated_version"] == "TLSv1.0"


def test_several_files_in_one_call() -> None:
    result = run("inspect", TLS10, REUSE, "--format", "json")
    assert {r["capture"] for r in json.loads(result.stdout)} == {TLS10, REUSE}


def test_stdin_dash() -> None:
    data = gzip.compress((CAPTURES / "live" / "tls10.pcap").read_bytes())
    result = run("inspect", "-", "--format", "jsonl", input=data)
    assert result.exit_code == 0
    assert json.loads(result.stdout)["negotiated_version"] == "TLSv1.0"


def test_truncated_capture_prints_results_before_damage_and_exits_1() -> None:
    result = run("inspect", TRUNCATED, "--format", "jsonl")
    assert result.exit_code == 1
    assert len(result.stdout.splitlines()) == 3
    assert "Error:" in result.stderr and "truncated packet record" in result.stderr


def test_not_a_capture_exits_1_without_traceback(tmp_path) -> None:
    bad = tmp_path / "notes.txt"
    bad.write_text("hello, this is not a capture\n")
    result = run("inspect", str(bad), TLS10, "--format", "jsonl")
    assert result.exit_code == 1
    assert "not a pcap or pcapng file" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert json.loads(result.stdout)["negotiated_version"] == "TLSv1.0"   # the other file still ran


def test_missing_file_and_usage_errors() -> None:
    assert run("inspect", "/nonexistent/x.pcap").exit_code == 1
    assert run("inspect").exit_code == 2
    assert run("inspect", TLS10, "--format", "xml").exit_code == 2


def test_quiet_hides_counts() -> None:
    assert run("inspect", TLS10, "-q").stderr == ""


def test_python_dash_m_and_console_entry() -> None:
    done = subprocess.run([sys.executable, "-m", "pcaptls", "inspect", TLS10, "--format", "jsonl"],
                          capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert done.returncode == 0 and json.loads(done.stdout)["client_max_version"] == "TLSv1.0"


def test_pipe_from_stdin_process() -> None:
    data = (CAPTURES / "crafted" / "two_linktypes.pcapng").read_bytes()
    done = subprocess.run([sys.executable, "-m", "pcaptls", "inspect", "-", "--format", "jsonl"],
                          input=data, capture_output=True, timeout=60)
    assert done.returncode == 0 and len(done.stdout.splitlines()) == 2


@pytest.mark.parametrize("fmt", ["table", "csv"])
def test_hostile_sni_is_neutralised(fmt: str) -> None:
    result = run("inspect", str(CAPTURES / "crafted" / "hostile_sni.pcap"), "--format", fmt)
    assert result.exit_code == 0
    assert "\x1b" not in result.stdout and "\x07" not in result.stdout
    if fmt == "csv":
        row = dict(zip(*csv.reader(io.StringIO(result.stdout))))
        assert row["sni"].startswith("'=cmd|")          # a spreadsheet shows it, never evaluates it
    else:
        assert "\\x1b[31mred\\x07" in result.stdout


def test_json_keeps_hostile_text_exact() -> None:
    rows = json.loads(run("inspect", str(CAPTURES / "crafted" / "hostile_sni.pcap"), "--format", "json").stdout)
    assert rows[0]["sni"] == "=cmd|' /C calc'!A0\x1b[31mred\x07.example.com"   # JSON escapes it itself


def test_show_hex_dumps_the_real_hello_bytes() -> None:
    result = run("show", TLS10, "--hex", "--no-color")
    assert result.exit_code == 0
    assert "Record layer version: TLS 1.0 (0x0301)" in result.stdout
    assert "Hex dump" in result.stdout and "00000000  01 00 " in result.stdout    # ClientHello: type 1


def test_show_selects_by_conn_and_reports_nothing_matching() -> None:
    assert run("show", REUSE, "--conn", "1", "--no-color").stdout.count("Connection 1 ") == 1
    result = run("show", REUSE, "--sni", "nothing.example")
    assert result.stdout == "" and "no matching" in result.stderr


def test_filters_and_fail_on_legacy() -> None:
    dns = str(CAPTURES / "dns" / "dns_names.pcap")
    rows = json.loads(run("inspect", dns, "--format", "json", "--fips-only").stdout)
    assert [r["server_name"] for r in rows] == ["monitoring.us-gov-west-1.amazonaws.com"]
    assert run("inspect", TLS10, "--fail-on", "legacy", "-q").exit_code == 3
    tls13 = str(CAPTURES / "live" / "tls13.pcap")
    assert run("inspect", tls13, "--fail-on", "legacy", "-q").exit_code == 0
    assert json.loads(run("inspect", tls13, TLS10, "--below", "TLSv1.2", "--format", "json").stdout)[0]["capture"] == TLS10
    assert run("inspect", TLS10, "--below", "TLSv9").exit_code == 2
    assert run("inspect", TLS10, "--client", "not-an-ip").exit_code == 2


def test_cloudtrail_records() -> None:
    out = run("inspect", TLS10, "--format", "cloudtrail").stdout
    record = json.loads(out)
    assert record["tlsDetails"] == {"tlsVersion": "TLSv1.0", "cipherSuite": "ECDHE-ECDSA-AES256-SHA",
                                    "clientProvidedHostHeader": "tls10.example.test"}
    assert record["sourceIPAddress"] == "127.0.0.1" and record["eventTime"].endswith("Z")


def test_names_lists_capture_dns() -> None:
    out = run("names", str(CAPTURES / "dns" / "dns_names.pcap"), "--format", "json").stdout
    by_ip = {r["ip"]: r for r in json.loads(out)}
    assert by_ip["127.0.0.24"]["names"] == ["monitoring.us-gov-west-1.amazonaws.com"]
    assert by_ip["127.0.0.25"]["names"] == ["old.fixture.test", "new.fixture.test"]


def test_snapshot_names_a_connection_without_sni_when_capture_dns_is_off(tmp_path) -> None:
    snap = tmp_path / "hosts"
    snap.write_text("127.0.0.24 monitoring.us-gov-west-1.amazonaws.com\nbad line here\n")
    dns = str(CAPTURES / "dns" / "dns_names.pcap")
    result = run("inspect", dns, "--no-capture-dns", "--dns-snapshot", str(snap), "--server", "127.0.0.24",
                 "--format", "json")
    rows = json.loads(result.stdout)
    assert rows and all(r["name_source"] == "snapshot" and r["aws_fips"] for r in rows)
    assert f"{snap}:2:" in result.stderr                                  # the bad line, by file:line
    assert run("inspect", dns, "--dns-snapshot", str(tmp_path / "missing")).exit_code == 1


SEED = str(CAPTURES / "crafted" / "seed_cloudwatch_fips.pcap")


@pytest.mark.parametrize(("args", "conns"), [
    ((), [0, 1, 2, 3, 4]),
    (("--client", "10.25.35.243"), [0, 1, 4]),
    (("--client", "10.25.36.0/24", "--client", "10.25.35.10"), [2, 3]),
    (("--server", "52.61.20.14:443"), [1, 2]),
    (("--server", "52.61.0.0/16"), [0, 1, 2, 3]),
    (("--server", "52.61.20.14:8443"), []),
    (("--port", "443"), [0, 1, 2, 3, 4]),
    (("--port", "80"), []),
    (("--sni", "*.US-GOV-WEST-1.amazonaws.com"), [0, 1, 2, 3]),       # DNS-named ones too, any case
    (("--sni", "intranet.*"), [4]),
    (("--below", "TLSv1.2"), [0, 1]),
    (("--below", "TLSv1.3"), [0, 1, 2, 4]),
    (("--aws-only",), [0, 1, 2, 3]),
    (("--fips-only",), [0, 1, 2, 3]),
    (("--outcome", "failed"), [0, 1]),
    (("--outcome", "established", "--aws-only"), [2, 3]),
])
def test_selection_options(args: tuple[str, ...], conns: list[int]) -> None:
    result = run("inspect", SEED, "--format", "json", "-q", *args)
    assert result.exit_code == 0
    assert [r["conn"] for r in json.loads(result.stdout)] == conns


def test_show_color_only_when_asked() -> None:
    assert "\x1b[" in run("show", SEED, "--conn", "0", "--color").stdout
    assert "\x1b[" not in run("show", SEED, "--conn", "0").stdout          # CliRunner output is not a tty


def test_refresh_catalog_from_an_installed_botocore(tmp_path, monkeypatch) -> None:
    from pcaptls.enrich.catalog_refresh import shipped_catalog_path
    fake = tmp_path / "site" / "botocore"
    (fake / "data").mkdir(parents=True)
    (fake / "__init__.py").write_text("__version__ = '9.9.9'\n")
    (fake / "data" / "endpoints.json").write_bytes(gzip.decompress(shipped_catalog_path().read_bytes()))
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    dest = tmp_path / "out" / "endpoints.json.gz"
    dest.parent.mkdir()
    result = run("refresh-catalog", "--dest", str(dest))
    assert result.exit_code == 0 and "botocore 9.9.9" in result.stdout
    assert gzip.decompress(dest.read_bytes()) == gzip.decompress(shipped_catalog_path().read_bytes())
    assert (dest.parent / "endpoints.index.json.gz").exists()          # the pre-rendered index, rewritten too


def test_refresh_catalog_without_botocore_says_how_to_install(monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "botocore", None)
    result = CliRunner().invoke(cli, ["refresh-catalog", "--dest", "/tmp/never-written.json.gz"])
    assert result.exit_code == 1 and "pip install botocore" in result.output
