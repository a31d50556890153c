"""Tests for pcaptls/enrich/loaders.py: one sample file per snapshot format (fixtures/data/), exact entries,
malformed lines reported as file:line, unreadable files, format detection, arbitrary input, ip-ranges.json."""
from __future__ import annotations

import codecs
import json
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pcaptls.enrich import loaders
from pcaptls.enrich.ipranges import IpRangeHit
from pcaptls.enrich.loaders import LoadProblem, SnapshotEntry, load_ip_ranges, load_snapshot
from pcaptls.errors import EnrichmentDataError
from tests.conftest import FIXTURES

DATA = FIXTURES / "data"
T0 = 1687860001 * 10**9          # 2023-06-27T10:00:01Z
MON = "monitoring.us-gov-west-1.amazonaws.com"
EC2 = "ec2.us-gov-west-1.amazonaws.com"
ALB = "my-alb-1234567890.us-gov-west-1.elb.amazonaws.com"


def rows(entries: list[SnapshotEntry]) -> list[tuple[str, str, int | None, int]]:
    return [(e.name, e.ip, e.ts_ns, e.line) for e in entries]


def load(name: str, **kw: object) -> tuple[list[tuple[str, str, int | None, int]], list[LoadProblem]]:
    entries, problems = load_snapshot(DATA / name, **kw)  # type: ignore[arg-type]
    assert {e.source_file for e in entries} <= {str(DATA / name)}
    return rows(entries), problems


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def problem_lines(path: Path, **kw: object) -> list[str]:
    return [str(p) for p in load_snapshot(path, **kw)[1]]  # type: ignore[arg-type]


# ---------------------------------------------------------------- one sample per format, exact entries

def test_nslookup_unix_sample_the_resolver_is_not_an_entry() -> None:
    assert load("nslookup_monitoring.txt") == ([(MON, "52.61.20.2", None, 7), (MON, "52.61.20.14", None, 9)], [])


def test_nslookup_unix_canonical_name_chain_maps_every_alias_to_the_final_addresses() -> None:
    assert load("nslookup_cname.txt") == ([
        ("app.example.com", "52.61.84.17", None, 6), ("app.example.com", "52.222.9.200", None, 6),
        ("app.prod.example.com", "52.61.84.17", None, 7), ("app.prod.example.com", "52.222.9.200", None, 7),
        (ALB, "52.61.84.17", None, 9), (ALB, "52.222.9.200", None, 11),
        (EC2, "52.61.196.95", None, 25), (EC2, "2600:1f12:0:1::a", None, 27),
    ], [])     # the NXDOMAIN answer in between gives nothing and is not a problem


def test_nslookup_windows_sample_addresses_continuations_and_aliases() -> None:
    assert load("nslookup_windows.txt") == ([
        (ALB, "52.61.84.17", None, 7), (ALB, "52.222.9.200", None, 8),
        ("app.example.com", "52.61.84.17", None, 9), ("app.example.com", "52.222.9.200", None, 9),
        ("app.prod.example.com", "52.61.84.17", None, 10), ("app.prod.example.com", "52.222.9.200", None, 10),
        (MON, "52.61.20.2", None, 19),
    ], [])


def test_nslookup_windows_powershell_utf16_file_reads_the_same(tmp_path: Path) -> None:
    text = (DATA / "nslookup_windows.txt").read_text(encoding="utf-8")
    path = tmp_path / "ps.txt"                     # PowerShell 5 `nslookup ... > file` writes UTF-16 LE + BOM
    path.write_bytes(codecs.BOM_UTF16_LE + text.encode("utf-16-le"))
    entries, problems = load_snapshot(path)
    assert (rows(entries), problems) == (load("nslookup_windows.txt")[0], [])


def test_dig_full_output_cname_chain_and_when_times() -> None:
    edt = 1687874730 * 10**9    # Tue Jun 27 10:05:30 EDT 2023 = 14:05:30Z
    assert load("dig_full.txt") == ([
        ("app.example.com", "52.61.84.17", T0, 15), ("app.example.com", "52.222.9.200", T0, 15),
        ("app.prod.example.com", "52.61.84.17", T0, 16), ("app.prod.example.com", "52.222.9.200", T0, 16),
        (ALB, "52.61.84.17", T0, 17), (ALB, "52.222.9.200", T0, 18),
        (EC2, "2600:1f12:0:1::a", edt, 39),
    ], [])


def test_dig_noall_answer_lines() -> None:
    assert load("dig_answer.txt", default_ts_ns=5) == (
        [(MON, "52.61.20.2", 5, 1), (MON, "52.61.20.14", 5, 2), (EC2, "2600:1f12:0:1::a", 5, 3)], [])


def test_json_object_with_time_and_names() -> None:
    assert load("snapshot.json") == ([
        (MON, "52.61.20.2", T0, 0), (MON, "52.61.20.14", T0, 0), (EC2, "52.61.196.95", T0, 0),
        ("sts.us-gov-west-1.amazonaws.com", "2600:1f12:0:1::5", T0, 0)], [])


def test_json_list_of_objects_with_own_times() -> None:
    assert load("snapshot_list.json", default_ts_ns=7) == ([
        (MON, "52.61.20.2", T0, 0), (MON, "52.61.20.14", T0, 0),
        ("logs.us-gov-west-1.amazonaws.com", "52.61.1.20", T0, 0), (EC2, "52.61.196.95", 7, 0)], [])


def test_json_plain_mapping(tmp_path: Path) -> None:
    path = write(tmp_path, "m.json", json.dumps({MON: ["52.61.20.2"], EC2: "52.61.196.95"}))
    assert rows(load_snapshot(path)[0]) == [(MON, "52.61.20.2", None, 0), (EC2, "52.61.196.95", None, 0)]


def test_csv_with_header_and_times_iso_offset_fraction_and_epoch() -> None:
    assert load("snapshot_header.csv", default_ts_ns=9) == ([
        (MON, "52.61.20.2", T0, 2), (MON, "52.61.20.14", T0 + 500_000_000, 3), (EC2, "52.61.196.95", T0, 4),
        ("sts.us-gov-west-1.amazonaws.com", "2600:1f12:0:1::5", 9, 5)], [])


def test_csv_without_header_names_are_normalised() -> None:
    assert load("snapshot_noheader.csv") == ([(MON, "52.61.20.2", None, 2), (MON, "52.61.20.14", None, 3)], [])


def test_hosts_comments_aliases_ipv6_and_zone_id() -> None:
    assert load("hosts.txt") == ([
        ("localhost", "127.0.0.1", None, 2), ("localhost", "::1", None, 3), ("ip6-localhost", "::1", None, 3),
        ("ip6-loopback", "::1", None, 3), (MON, "52.61.20.2", None, 5), ("monitoring", "52.61.20.2", None, 5),
        (EC2, "2600:1f12:0:1::a", None, 6), ("router.lan", "fe80::1", None, 7)], [])


SAMPLES = {"nslookup_monitoring.txt": "nslookup", "nslookup_cname.txt": "nslookup", "nslookup_windows.txt": "nslookup",
           "dig_full.txt": "dig", "dig_answer.txt": "dig", "snapshot.json": "json", "snapshot_list.json": "json",
           "snapshot_header.csv": "csv", "snapshot_noheader.csv": "csv", "hosts.txt": "hosts"}


@pytest.mark.parametrize(("name", "fmt"), SAMPLES.items())
def test_auto_detection_picks_the_format(name: str, fmt: str) -> None:
    text = (DATA / name).read_text(encoding="utf-8")
    assert loaders._detect(text, text.split("\n")) == fmt
    assert load_snapshot(DATA / name) == load_snapshot(DATA / name, fmt=fmt)
    assert load_snapshot(DATA / name)[0]


def test_every_sample_file_is_covered() -> None:
    snapshots = {p.name for p in DATA.iterdir() if not p.name.startswith("ip-ranges")}
    assert snapshots == set(SAMPLES)


# ---------------------------------------------------------------- times, names, addresses, duplicates

def test_default_time_fills_only_entries_without_their_own() -> None:
    entries, _ = load_snapshot(DATA / "snapshot_list.json", default_ts_ns=42)
    assert [e.ts_ns for e in entries] == [T0, T0, T0, 42]


def test_identical_entries_are_kept_once_and_ipv4_mapped_becomes_ipv4(tmp_path: Path) -> None:
    path = write(tmp_path, "h", "52.61.20.2 a.example\n::ffff:52.61.20.2 A.EXAMPLE.\n2600:1F12::0:A b.example\n")
    assert rows(load_snapshot(path)[0]) == [("a.example", "52.61.20.2", None, 1),
                                            ("b.example", "2600:1f12::a", None, 3)]


@pytest.mark.parametrize(("value", "ns"), [
    ("2023-06-27T10:00:01Z", T0), ("2023-06-27 12:00:01+02:00", T0), ("2023-06-27T10:00:01.123456789Z", T0 + 123456789),
    ("1687860001", T0), ("1687860001.25", T0 + 250_000_000), (1687860001, T0), (1687860001.5, T0 + 500_000_000)])
def test_times(value: object, ns: int) -> None:
    assert loaders._time_ns(value) == ns


@pytest.mark.parametrize("value", ["2023-06-27T10:00:01", "2023-06-27", "yesterday", "-5", "1e20", True, None,
                                   float("nan"), "0001-01-01T00:00:00+05:00", "9999-12-31T23:59:59-23:59"])
def test_bad_times_raise_value_error(value: object) -> None:
    with pytest.raises(ValueError):
        loaders._time_ns(value)


@pytest.mark.parametrize(("raw", "name"), [
    ("Example.COM.", "example.com"), ("_dmarc.example.com", "_dmarc.example.com"), ("localhost", "localhost"),
    ("xn--bcher-kva.example", "xn--bcher-kva.example")])
def test_names_ok(raw: str, name: str) -> None:
    assert loaders._norm_name(raw) == name


@pytest.mark.parametrize("raw", ["", ".", "a..b", "-a.com", "a-.com", "*.example.com", "bücher.example", "1.2.3.4",
                                 "a" * 64 + ".com", ("a." * 127) + "com", "host:443", "a b"])
def test_names_rejected(raw: str) -> None:
    assert loaders._norm_name(raw) is None


# ---------------------------------------------------------------- malformed lines: file:line, the rest loads

def test_hosts_bad_lines(tmp_path: Path) -> None:
    path = write(tmp_path, "hosts", "# c\n52.61.20.2 ok.example\n52.61.20.999 bad.example\n52.61.20.3 *.x ok2.example\n"
                                    "52.61.20.4\n010.1.1.1 octal.example\n")
    entries, problems = load_snapshot(path)
    assert rows(entries) == [("ok.example", "52.61.20.2", None, 2), ("ok2.example", "52.61.20.3", None, 4)]
    assert [str(p) for p in problems] == [
        f"{path}:3: invalid IP address '52.61.20.999'",
        f"{path}:4: invalid host name '*.x'",
        f"{path}:5: an address without a name (dig +short output has none: use +noall +answer)",
        f"{path}:6: invalid IP address '010.1.1.1'"]


def test_csv_bad_rows(tmp_path: Path) -> None:
    path = write(tmp_path, "s.csv", "name,ip,time\nonly-one-column\na.example,1.2.3.4,soon\nb.example,1.2.3.x\n"
                                    "c.example,1.2.3.5,2023-06-27T10:00:01\nd.example,1.2.3.6,1,extra\n"
                                    "e.example,1.2.3.7,2023-06-27T10:00:01Z\n")
    entries, problems = load_snapshot(path)
    assert rows(entries) == [("e.example", "1.2.3.7", T0, 7)]
    assert [str(p) for p in problems] == [
        f"{path}:2: expected name,ip[,time]: got 1 column",
        f"{path}:3: time 'soon' is neither ISO 8601 nor epoch seconds",
        f"{path}:4: invalid IP address '1.2.3.x'",
        f"{path}:5: time '2023-06-27T10:00:01' has no UTC offset (add Z or +hh:mm)",
        f"{path}:6: expected name,ip[,time]: got 4 columns"]


def test_dig_bad_records_and_unknown_time_zone(tmp_path: Path) -> None:
    path = write(tmp_path, "d.txt", ";; ANSWER SECTION:\na.example. 60 IN A 1.2.3.4\nb.example. 60 IN A 1.2.3\n"
                                    "garbage\nc.example. 60 IN A 1.2.3.5 extra\n;; WHEN: Tue Jun 27 15:30:01 IST 2023\n"
                                    ";; AUTHORITY SECTION:\nns.example. 60 IN A 9.9.9.9\n")
    entries, problems = load_snapshot(path, default_ts_ns=3)
    assert rows(entries) == [("a.example", "1.2.3.4", 3, 2)]    # authority-section glue is not an answer
    assert [str(p) for p in problems] == [
        f"{path}:3: invalid IP address '1.2.3'",
        f"{path}:4: not a dig resource record (name [ttl] [class] type data)",
        f"{path}:5: A record data '1.2.3.5 extra' is not one value",
        f"{path}:6: ;; WHEN: time zone 'IST' is not one we can convert unambiguously;"
        " this answer gets the default time"]


@pytest.mark.parametrize(("when", "ns"), [("Tue Jun 27 10:00:01 UTC 2023", T0), ("Tue Jun 27 12:00:01 CEST 2023", T0),
                                          ("Tue Jun 27 03:00:01 PDT 2023", T0), ("Tue Jun  27 10:00:01 GMT 2023", T0),
                                          ("Tue Jun 27 10:00:01 2023", None), ("Tue Foo 27 10:00:01 UTC 2023", None),
                                          ("Tue Feb 31 10:00:01 UTC 2023", None), ("yesterday", None)])
def test_dig_when_times(tmp_path: Path, when: str, ns: int | None) -> None:
    path = write(tmp_path, "d.txt", f"a.example. 60 IN A 1.2.3.4\n;; WHEN: {when}\n")
    entries, problems = load_snapshot(path, default_ts_ns=None)
    assert [e.ts_ns for e in entries] == [ns]
    assert [p.line for p in problems] == ([] if ns else [2])


def test_dig_cname_without_address_and_loop(tmp_path: Path) -> None:
    path = write(tmp_path, "d.txt", "a.example. 60 IN CNAME b.example.\nx.example. 60 IN CNAME y.example.\n"
                                    "y.example. 60 IN CNAME x.example.\n")
    entries, problems = load_snapshot(path)
    assert entries == []
    assert [str(p) for p in problems] == [
        f"{path}:1: CNAME chain a.example -> b.example has no address in this answer",
        f"{path}:2: CNAME loop: x.example -> y.example -> x.example",
        f"{path}:3: CNAME loop: y.example -> x.example -> y.example"]


def test_dig_cnames_resolve_within_one_answer_only(tmp_path: Path) -> None:
    path = write(tmp_path, "d.txt", "; <<>> DiG 9.18 <<>> a.example\na.example. 60 IN CNAME b.example.\n"
                                    "; <<>> DiG 9.18 <<>> b.example\nb.example. 60 IN A 1.2.3.4\n")
    entries, problems = load_snapshot(path)
    assert rows(entries) == [("b.example", "1.2.3.4", None, 4)]
    assert [p.line for p in problems] == [2]


def test_nslookup_bad_lines(tmp_path: Path) -> None:
    path = write(tmp_path, "n.txt", "Address: 1.2.3.4\nServer: 10.0.0.2\nAddress: 10.0.0.2#53\n\nName: a.example\n"
                                    "Address: 1.2.3\nthis is not nslookup\nName: -bad-\nAddress: 1.2.3.4\n")
    entries, problems = load_snapshot(path)
    assert entries == []
    assert [str(p) for p in problems] == [
        f"{path}:1: Address: line outside a Server: or Name: block",
        f"{path}:6: invalid IP address '1.2.3'",
        f"{path}:7: unrecognised nslookup line",
        f"{path}:9: invalid host name '-bad-'"]


def test_json_problems_have_line_0_and_a_path(tmp_path: Path) -> None:
    path = write(tmp_path, "s.json", json.dumps([
        {"name": "a.example", "ips": ["1.2.3.4", "nope"]}, {"name": "b.example"}, {"name": "-x", "ip": "1.2.3.5"},
        {"name": "c.example", "ip": "1.2.3.6", "time": "2023-06-27T10:00:01"}, 5]))
    entries, problems = load_snapshot(path)
    assert rows(entries) == [("a.example", "1.2.3.4", None, 0)]
    assert [str(p) for p in problems] == [
        f'{path}:0: .[1]: expected an object with "name" and one of "ip"/"ips"',
        f"{path}:0: .[3].time: time '2023-06-27T10:00:01' has no UTC offset (add Z or +hh:mm)",
        f'{path}:0: .[4]: expected an object with "name" and one of "ip"/"ips"',
        f"{path}:0: .[0][1]: invalid IP address 'nope'",
        f"{path}:0: .[2]: invalid host name '-x'"]


def test_json_bad_snapshot_time_keeps_entries_with_the_default(tmp_path: Path) -> None:
    path = write(tmp_path, "s.json", json.dumps({"time": "later", "names": {"a.example": ["1.2.3.4", 7]}}))
    entries, problems = load_snapshot(path, default_ts_ns=1)
    assert rows(entries) == [("a.example", "1.2.3.4", 1, 0)]
    assert [str(p) for p in problems] == [
        f"{path}:0: .time: time 'later' is neither ISO 8601 nor epoch seconds; these entries get the default time",
        f'{path}:0: .names["a.example"][1]: invalid IP address 7']


def test_not_utf8_is_read_as_latin1_with_a_problem(tmp_path: Path) -> None:
    path = tmp_path / "hosts"
    path.write_bytes(b"# r\xe9sum\xe9\n1.2.3.4 a.example\n")
    entries, problems = load_snapshot(path)
    assert rows(entries) == [("a.example", "1.2.3.4", None, 2)]
    assert [str(p) for p in problems] == [f"{path}:1: not valid UTF-8; the file was read as Latin-1"]


def test_load_problem_prints_as_file_line_detail() -> None:
    assert str(LoadProblem("snap.txt", 12, "bad")) == "snap.txt:12: bad"


# ---------------------------------------------------------------- unreadable files and bad calls

def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(EnrichmentDataError, match=r"nope\.txt: cannot read: No such file") as info:
        load_snapshot(tmp_path / "nope.txt")
    assert isinstance(info.value.__cause__, FileNotFoundError)


def test_directory(tmp_path: Path) -> None:
    with pytest.raises(EnrichmentDataError, match="cannot read: Is a directory") as info:
        load_snapshot(tmp_path)
    assert isinstance(info.value.__cause__, IsADirectoryError)


def test_permission_denied(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path, "hosts", "1.2.3.4 a.example\n")
    if os.geteuid() != 0:
        path.chmod(0)
    else:                                       # root reads anything: simulate the refusal
        def refuse(self: Path) -> bytes:
            raise PermissionError(13, "Permission denied", str(self))
        monkeypatch.setattr(Path, "read_bytes", refuse)
    with pytest.raises(EnrichmentDataError, match="cannot read: Permission denied") as info:
        load_snapshot(path)
    assert isinstance(info.value.__cause__, PermissionError)


@pytest.mark.parametrize(("content", "fmt", "message"), [
    (b"\x00\x01binary", "auto", r"binary data \(NUL byte at offset 0\)"),
    (b"{not json", "auto", "line 1 column 2: invalid JSON"),
    (b'"just a string"', "json", "a JSON snapshot is an object or a list, not str"),
    (b"[" * 100_000, "auto", "JSON nested too deeply"),
    (b"hello world\nthis is a readme\n", "auto", "not a DNS snapshot in a known format"),
    (codecs.BOM_UTF16_LE + b"a\x00b", "hosts", "not valid UTF-16 text"),
])
def test_unusable_content(tmp_path: Path, content: bytes, fmt: str, message: str) -> None:
    path = tmp_path / "f"
    path.write_bytes(content)
    with pytest.raises(EnrichmentDataError, match=message):
        load_snapshot(path, fmt=fmt)


def test_empty_or_comment_only_file_is_empty(tmp_path: Path) -> None:
    assert load_snapshot(write(tmp_path, "e", "")) == ([], [])
    assert load_snapshot(write(tmp_path, "c", "# nothing\n;; connection timed out; no servers could be reached\n")) \
        == ([], [])


def test_bad_calls(tmp_path: Path) -> None:
    path = write(tmp_path, "h", "1.2.3.4 a.example\n")
    with pytest.raises(ValueError, match="fmt must be"):
        load_snapshot(path, fmt="yaml")
    with pytest.raises(TypeError, match="default_ts_ns"):
        load_snapshot(path, default_ts_ns=1.5)  # type: ignore[arg-type]


# ---------------------------------------------------------------- arbitrary input: only EnrichmentDataError

LINEISH = st.lists(st.sampled_from([
    "Server:\t10.0.0.2", "Address: 10.0.0.2#53", "Name:\ta.example", "Address: 1.2.3.4", "Addresses:  1.2.3.4",
    "          5.6.7.8", "Aliases:  b.example", "a.example canonical name = b.example.", "", "; <<>> DiG 9 <<>>",
    ";; ANSWER SECTION:", "a.example. 60 IN A 1.2.3.4", "a.example. 60 IN CNAME a.example.", ";; WHEN: Tue Jun 27 "
    "10:00:01 UTC 2023", ";; WHEN: Fri Feb 31 10:00:01 UTC 2023", "name,ip,time", "a.example,1.2.3.4,1687860001",
    "1.2.3.4 a.example b", "::1 x", "{", "}", '"a": "1.2.3.4"', "# c", "\t", "\r"]) | st.text(max_size=30), max_size=30)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lines=LINEISH, fmt=st.sampled_from(["auto", *loaders.FORMATS]))
def test_arbitrary_text_raises_only_enrichment_data_error(tmp_path: Path, lines: list[str], fmt: str) -> None:
    path, text = tmp_path / "snap", "\n".join(lines)
    path.write_text(text, encoding="utf-8")
    try:
        entries, problems = load_snapshot(path, fmt=fmt)
    except EnrichmentDataError:
        return
    assert all(isinstance(e, SnapshotEntry) and loaders._norm_name(e.name) == e.name for e in entries)
    assert all(isinstance(p, LoadProblem) and 0 <= p.line <= text.count("\n") + 1 for p in problems)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=300))
def test_arbitrary_bytes_raise_only_enrichment_data_error(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "snap"
    path.write_bytes(data)
    for reader in (load_snapshot, load_ip_ranges):
        try:
            reader(path)
        except EnrichmentDataError:
            pass


# ---------------------------------------------------------------- ip-ranges.json

def test_ip_ranges_sample_2018_merges_services_and_defaults_the_border_group() -> None:
    ranges, problems = load_ip_ranges(DATA / "ip-ranges-sample.json")
    assert problems == [] and len(ranges) == 21
    assert (ranges.sync_token, ranges.create_date) == ("1517937128", "2018-02-06-17-12-08")
    assert ranges.lookup("52.61.20.2") == IpRangeHit("52.61.0.0/16", "us-gov-west-1", ("EC2", "AMAZON"),
                                                     "us-gov-west-1")
    assert ranges.lookup("54.243.31.200") == IpRangeHit("54.243.31.192/26", "us-east-1", ("ROUTE53_HEALTHCHECKS",),
                                                        "us-east-1")
    assert ranges.lookup("2620:108:d00f::1") == IpRangeHit("2620:108:d00f::/64", "us-gov-west-1", ("EC2",),
                                                           "us-gov-west-1")
    assert ranges.lookup("8.8.8.8") is None


def test_ip_ranges_sample_2021_keeps_the_border_group() -> None:
    ranges, problems = load_ip_ranges(DATA / "ip-ranges-sample-2021.json")
    assert problems == [] and len(ranges) == 7
    assert ranges.lookup("3.2.0.10") == IpRangeHit("3.2.0.0/24", "us-east-1", ("AMAZON",), "us-east-1-iah-1")
    assert ranges.lookup("52.119.209.1") == IpRangeHit("52.119.208.0/23", "us-gov-west-1", ("AMAZON",), "us-gov-west-1")


def test_ip_ranges_bad_entries_are_problems_the_rest_loads(tmp_path: Path) -> None:
    doc = json.loads((DATA / "ip-ranges-sample-2021.json").read_text())
    doc["prefixes"][1]["ip_prefix"] = "3.2.0.0/33"
    doc["prefixes"].append({"ip_prefix": "2600:1f12::/36", "region": "x", "service": "EC2"})
    doc["ipv6_prefixes"].append("oops")
    path = write(tmp_path, "ip-ranges.json", json.dumps(doc, indent=2))
    ranges, problems = load_ip_ranges(path)
    assert len(ranges) == 6 and ranges.lookup("3.2.0.10") is None
    assert [str(p) for p in problems] == [
        f"{path}:0: .prefixes[1]: ip_prefix '3.2.0.0/33': '3.2.0.0/33' does not appear to be an IPv4 or IPv6 network",
        f"{path}:0: .prefixes[7]: ip_prefix '2600:1f12::/36' is IPv6, expected IPv4",
        f"{path}:0: .ipv6_prefixes[0]: entry is str, not an object"]


@pytest.mark.parametrize(("content", "message"), [
    ("{", "line 1 column 2: invalid JSON"),
    ("[]", "ip-ranges.json is a JSON object, not list"),
    ('{"syncToken": "1", "createDate": "x", "prefixes": []}', "'ipv6_prefixes' is missing or not a list"),
    ('{"syncToken": 1, "createDate": "x", "prefixes": [], "ipv6_prefixes": []}', "'syncToken' is missing or not a str"),
])
def test_ip_ranges_unusable_file(tmp_path: Path, content: str, message: str) -> None:
    with pytest.raises(EnrichmentDataError, match=message):
        load_ip_ranges(write(tmp_path, "ip-ranges.json", content))


def test_ip_ranges_missing_file(tmp_path: Path) -> None:
    with pytest.raises(EnrichmentDataError, match="cannot read") as info:
        load_ip_ranges(tmp_path / "ip-ranges.json")
    assert isinstance(info.value.__cause__, OSError)
