"""Compressed captures are decompressed on a thread of their own, ahead of the framing (capture/files.py
_ReadAhead): same frames and errors as reading inline, the thread ends with the reader, the default is one
process for a compressed file (its free core decompresses)."""
from __future__ import annotations

import gzip
import io
import lzma
import subprocess
import sys
import threading

import pytest

from pcaptls.capture import files
from pcaptls.capture.files import open_capture
from pcaptls.errors import CaptureError
from tests.conftest import CAPTURES, ROOT

PLAIN = CAPTURES / "crafted" / "tuple_reuse.pcap"


def _frames(source) -> tuple[list, str | None]:
    out, error = [], None
    try:
        with open_capture(source) as reader:
            out.extend(reader)
    except CaptureError as exc:
        error = str(exc)
    return out, error


def _threads() -> int:
    return sum(t.name == "pcaptls-decompress" for t in threading.enumerate())


@pytest.mark.parametrize("compress", [gzip.compress, lzma.compress])
def test_same_frames_as_the_plain_file_and_no_thread_left(compress, tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(files.framing, "CHUNK_SIZE", 1000)      # many chunks through the queue
    data = PLAIN.read_bytes() * 1
    path = tmp_path / "c.pcap.x"
    path.write_bytes(compress(data))
    plain, _ = _frames(str(PLAIN))
    got, error = _frames(str(path))
    assert error is None and got == plain and len(got) > 10
    assert _threads() == 0


def test_damage_comes_after_every_frame_before_it(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(files.framing, "CHUNK_SIZE", 512)
    blob = gzip.compress(PLAIN.read_bytes())
    cut = tmp_path / "cut.pcap.gz"
    cut.write_bytes(blob[:len(blob) * 2 // 3])
    got, error = _frames(str(cut))
    plain, _ = _frames(str(PLAIN))
    assert error is not None and got == plain[:len(got)] and got
    assert _threads() == 0


def test_a_reader_closed_early_stops_its_thread(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(files.framing, "CHUNK_SIZE", 256)
    path = tmp_path / "c.pcap.gz"
    path.write_bytes(gzip.compress(PLAIN.read_bytes() * 3))
    reader = open_capture(str(path))
    frames = iter(reader)
    for _ in range(20):                      # past the head read at open: the thread is running
        next(frames)
    assert _threads() == 1
    reader.close()
    assert _threads() == 0


def test_a_stream_object_is_read_ahead_too() -> None:
    blob = gzip.compress(PLAIN.read_bytes())
    got, error = _frames(io.BytesIO(blob))
    assert error is None and got == _frames(str(PLAIN))[0]


def test_one_process_by_default_for_a_compressed_file_and_two_give_the_same_bytes(tmp_path, monkeypatch) -> None:
    from pcaptls import parallel
    big = tmp_path / "big.pcap.gz"
    big.write_bytes(b"\x1f\x8b" + bytes(parallel.MIN_SIZE))
    monkeypatch.setattr(parallel, "free_cores", lambda: 2)
    assert parallel.jobs_for(str(big), None) == 1
    plain = tmp_path / "big.pcap"
    plain.write_bytes(b"\xd4\xc3\xb2\xa1" + bytes(parallel.MIN_SIZE))
    assert parallel.jobs_for(str(plain), None) == 2
    capture = tmp_path / "bench.pcap.gz"
    subprocess.run([sys.executable, "-m", "bench.generate", "--size", "3M", "--profile", "dense",
                    "--out", str(tmp_path / "bench.pcap")], check=True, cwd=ROOT, capture_output=True)
    capture.write_bytes(gzip.compress((tmp_path / "bench.pcap").read_bytes()))
    outs = [subprocess.run([sys.executable, "-m", "pcaptls", "inspect", str(capture), "--format", "jsonl",
                            "--jobs", jobs], capture_output=True, check=True, cwd=ROOT) for jobs in ("1", "2")]
    assert outs[0].stdout == outs[1].stdout and outs[0].stdout.count(b"\n") > 100
