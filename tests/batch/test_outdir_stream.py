"""The output folder streams connections.jsonl (resume repair, forget, final ordering): memory holds one
input's connections, not the batch's, and the bytes are those the rows were written as."""
from __future__ import annotations

import json
import random
import tracemalloc
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

import pcaptls
from pcaptls.batch import outdir
from pcaptls.batch.outdir import CONNECTIONS, FILES, OutDir
from pcaptls.report.rows import connection_row
from tests.conftest import CAPTURES


TEMPLATES = [connection_row(c) for c in pcaptls.inspect_file(str(CAPTURES / "crafted/seed_cloudwatch_fips.pcap")).connections]


def _row(key: str, i: int, rng: random.Random) -> dict:
    """A real row made bigger (a long SNI), as a worker would send it."""
    row = dict(rng.choice(TEMPLATES))
    row.update(capture=key, conn=i, ts=f"2024-05-01T10:00:{rng.randrange(60):02d}.{rng.randrange(10**6):06d}Z",
               sni="x" * rng.randrange(1500, 2500), client_ip=f"10.0.0.{rng.randrange(10)}")
    row["input"] = key
    return row


def _line(key: str, n: int) -> dict:
    return {"path": key, "status": "ok", "error": None, "connections": n, "counts": {}, "seconds": 0.0,
            "size": 1, "sha256": None, "mtime_ns": 1}


def test_finish_holds_one_input_not_the_batch(tmp_path: Path) -> None:
    rng = random.Random(7)
    out = OutDir(tmp_path)
    keys = [f"/captures/{n:03d}.pcap" for n in range(120)]
    written = {}
    for key in rng.sample(keys, len(keys)):                       # done in any order, as workers finish
        rows = [_row(key, i, rng) for i in range(100)]
        written[key] = rows
        out.record(_line(key, len(rows)), rows)
    size = (tmp_path / CONNECTIONS).stat().st_size
    assert size > 25 << 20                                        # ~30 MB of connections
    tracemalloc.start()
    out.finish(keys)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 4 << 20, peak                                   # one input is ~0.3 MB (and a report)
    expected = [json.dumps(r, ensure_ascii=False) + "\n" for key in keys
                for r in sorted(written[key], key=lambda r: (r["ts"], r["conn"]))]
    assert (tmp_path / CONNECTIONS).read_text(encoding="utf-8") == "".join(expected)


def test_resume_repair_and_forget_drop_only_what_they_must(tmp_path: Path) -> None:
    rng = random.Random(3)
    out = OutDir(tmp_path)
    a, b, c = (_row("a", i, rng) for i in range(2)), (_row("b", i, rng) for i in range(2)), _row("c", 0, rng)
    out.record(_line("a", 2), list(a))
    out.record(_line("b", 2), list(b))
    with open(tmp_path / CONNECTIONS, "a", encoding="utf-8") as f:   # c's rows but no files line: a kill
        f.write(json.dumps(c) + "\n" + '{"torn": ')
    out.close()                                                    # what the kill released: files, lock
    again = OutDir(tmp_path)
    assert again.repaired == 1 and set(again.done) == {"a", "b"}
    inputs = [json.loads(line)["input"] for line in (tmp_path / CONNECTIONS).read_text().splitlines()]
    assert inputs == ["a", "a", "b", "b"]
    again.forget({"a"})
    inputs = [json.loads(line)["input"] for line in (tmp_path / CONNECTIONS).read_text().splitlines()]
    assert inputs == ["b", "b"] and [json.loads(x)["path"] for x in (tmp_path / FILES).read_text().splitlines()] == ["b"]


@given(st.dictionaries(st.sampled_from(["sni", "alpn", "input", "errors", "x"]),
                       st.one_of(st.text(), st.lists(st.text(), max_size=3), st.none()), max_size=5),
       st.text())
def test_the_input_of_a_line_whatever_its_text_holds(fields: dict, key: str) -> None:
    row = {**{k: v for k, v in fields.items() if k != "input"}, "input": key}
    raw = (json.dumps(row, ensure_ascii=False) + "\n").encode()
    assert outdir._input_of(raw) == key
    assert outdir._input_of(b'{"no input": 1}\n') == "" and outdir._input_of(b'{"torn"') is None


def test_finish_holds_keys_not_rows_of_a_large_input(tmp_path: Path) -> None:
    """One input of 12,000 connections written in no particular order: reordering it holds their sort keys
    and offsets (~100 bytes each), not the rows (a few KB each)."""
    rng = random.Random(11)
    out = OutDir(tmp_path)
    rows = [_row("/captures/big.pcap", i, rng) for i in range(12000)]
    rng.shuffle(rows)
    out.record(_line("/captures/big.pcap", len(rows)), rows)
    tracemalloc.start()
    out.finish(["/captures/big.pcap"])
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 6 << 20, peak                                   # the rows are ~25 MB
    expected = [json.dumps(r, ensure_ascii=False) + "\n" for r in sorted(rows, key=lambda r: (r["ts"], r["conn"]))]
    assert (tmp_path / CONNECTIONS).read_text(encoding="utf-8") == "".join(expected)


def test_the_order_of_a_line_without_parsing_it(tmp_path: Path) -> None:
    for capture in ['plain.pcap', 'we"ird\\\\name\u00e9.pcap', "{\"capture\": \"x\", \"conn\": 1}"]:
        row = {"capture": capture, "conn": 7, "ts": "2024-05-01T10:00:00.000001Z", "x": 1, "input": capture}
        raw = (json.dumps(row, ensure_ascii=False) + "\n").encode()
        assert outdir._ORDER_PREFIX.match(raw) and outdir._order_of(raw) == (row["ts"], 7)
    odd = b'{"conn": 3, "capture": "c", "ts": "t", "input": "c"}\n'       # other field order: parsed whole
    assert outdir._order_of(odd) == ("t", 3)
