"""pcaptls.capture.files: format/compression detection, pcap and pcapng framing, timestamps, damage."""
from __future__ import annotations

import bz2
import gzip
import io
import lzma
import os
import struct
import subprocess
import sys
from pathlib import Path

import pytest
import zstandard
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pcaptls.capture import framing
from pcaptls.capture.files import CaptureReader, open_capture
from pcaptls.errors import CaptureError
from tests.capture import builders as b

ROOT = Path(__file__).resolve().parents[2]
NS = 1_000_000_000
FRAMES = [b.eth_frame(i) for i in range(3)]


class NonSeekable(io.RawIOBase):
    """A pipe-like stream: not seekable, and short reads of at most ``step`` bytes."""

    def __init__(self, data: bytes, step: int = 7) -> None:
        self._data = data
        self._pos = 0
        self._step = step

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False

    def readinto(self, buf) -> int:  # type: ignore[no-untyped-def]
        n = min(len(buf), self._step, len(self._data) - self._pos)
        buf[:n] = self._data[self._pos:self._pos + n]
        self._pos += n
        return n


def read_all(source, **kw) -> tuple[list[tuple[int, int, bytes, int]], CaptureReader]:  # type: ignore[no-untyped-def]
    with open_capture(source, **kw) as reader:
        return list(reader), reader


def as_path(tmp_path: Path, data: bytes, name: str = "x.pcap") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


SOURCES = ["path", "bytesio", "nonseekable"]


def source_of(kind: str, tmp_path: Path, data: bytes):  # type: ignore[no-untyped-def]
    if kind == "path":
        return as_path(tmp_path, data)
    if kind == "bytesio":
        return io.BytesIO(data)
    return NonSeekable(data)


# -- classic pcap ------------------------------------------------------------------------------------

@pytest.mark.parametrize("kind", SOURCES)
@pytest.mark.parametrize("endian", ["<", ">"])
@pytest.mark.parametrize("nano", [False, True])
def test_pcap_variants_exact(kind: str, endian: str, nano: bool, tmp_path: Path) -> None:
    frac = [999_999_999, 0, 123_456_789] if nano else [999_999, 0, 123_456]
    records = [(1_700_000_000, frac[0], FRAMES[0]), (0, frac[1], FRAMES[1]), (4_294_967_295, frac[2], FRAMES[2])]
    data = b.pcap_file(records, endian=endian, nano=nano, linktype=1)
    frames, reader = read_all(source_of(kind, tmp_path, data))
    mult = 1 if nano else 1000
    assert frames == [(sec * NS + f * mult, 1, fr, len(fr)) for sec, f, fr in records]
    assert all(type(fr) is bytes for _, _, fr, _ in frames)
    assert (reader.format, reader.compression) == ("pcap", None)


def test_pcap_orig_len_and_linktype_fcs_bits_masked(tmp_path: Path) -> None:
    # link type field: LINKTYPE_RAW with the "FCS length present" flag and FCS length 4 in the top bits
    data = b.pcap_header(linktype=101 | 0x04000000 | 0x40000000) + b.pcap_record(5, 6, FRAMES[0][14:], 1500)
    assert read_all(as_path(tmp_path, data))[0] == [(5 * NS + 6000, 101, FRAMES[0][14:], 1500)]


@pytest.mark.parametrize("endian", ["<", ">"])
def test_pcap_modified_kuznetzov_magic(endian: str, tmp_path: Path) -> None:
    data = b.pcap_file([(1, 2, FRAMES[0]), (3, 4, FRAMES[1])], endian=endian, modified=True)
    assert read_all(as_path(tmp_path, data))[0] == [(NS + 2000, 1, FRAMES[0], len(FRAMES[0])),
                                                    (3 * NS + 4000, 1, FRAMES[1], len(FRAMES[1]))]


def test_pcap_empty_frame_and_header_only(tmp_path: Path) -> None:
    assert read_all(as_path(tmp_path, b.pcap_header()))[0] == []
    data = b.pcap_file([(1, 0, b"")])
    assert read_all(as_path(tmp_path, data))[0] == [(NS, 1, b"", 0)]


def test_large_file_crosses_chunks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(framing, "CHUNK_SIZE", 100)
    records = [(i, i, b.eth_frame(i) * (i % 5 + 1)) for i in range(200)]
    data = b.pcap_file(records)
    expected = [(sec * NS + f * 1000, 1, fr, len(fr)) for sec, f, fr in records]
    assert read_all(io.BytesIO(data))[0] == expected
    assert read_all(NonSeekable(data, step=33))[0] == expected
    assert read_all(as_path(tmp_path, data))[0] == expected


# -- pcapng ------------------------------------------------------------------------------------------

def _section(endian: str) -> tuple[bytes, list[tuple[int, int, bytes, int]]]:
    """SHB, 2 IDBs (Ethernet µs default, raw IP if_tsresol=9 + if_tsoffset), EPBs on both, NRB/ISB/DSB/custom,
    an SPB (interface 0, timestamp of the previous packet) and an obsolete PB."""
    e = endian
    raw = b.raw_frame(7)
    data = (b.shb(endian=e) + b.idb(1, endian=e) + b.nrb(endian=e)
            + b.idb(101, endian=e, tsresol=9, tsoffset=-10)
            + b.epb(0, 1_700_000_000_123_456, FRAMES[0], endian=e)
            + b.epb(1, 1_700_000_000_123_456_789, raw, 1000, endian=e)
            + b.isb(0, endian=e) + b.dsb(endian=e) + b.custom(endian=e)
            + b.spb(FRAMES[1], endian=e)
            + b.pb(1, 42, raw, endian=e))
    expected = [
        (1_700_000_000_123_456_000, 1, FRAMES[0], len(FRAMES[0])),
        (1_700_000_000_123_456_789 - 10 * NS, 101, raw, 1000),
        (1_700_000_000_123_456_789 - 10 * NS, 1, FRAMES[1], len(FRAMES[1])),
        (42 - 10 * NS, 101, raw, len(raw)),
    ]
    return data, expected


@pytest.mark.parametrize("kind", SOURCES)
@pytest.mark.parametrize("endian", ["<", ">"])
def test_pcapng_interfaces_options_and_skipped_blocks(kind: str, endian: str, tmp_path: Path) -> None:
    data, expected = _section(endian)
    frames, reader = read_all(source_of(kind, tmp_path, data))
    assert frames == expected
    assert (reader.format, reader.compression) == ("pcapng", None)
    assert reader.counters == {"pcapng_sections": 1, "pcapng_blocks_skipped": 4}


def test_pcapng_two_sections_mixed_byte_order_power_of_two_resolution(tmp_path: Path) -> None:
    first, expected = _section("<")
    # Second section, big-endian: interfaces reset; interface 0 now raw IPv4 (228) with 2^-20 s units,
    # interface 1 SLL with 10^-12 s units (floor to ns).
    ts2 = (1_700_000_000 << 20) + (1 << 19) + 3          # .5 s + 3 * 2^-20 s
    second = (b.shb(endian=">") + b.idb(228, endian=">", tsresol=0x80 | 20)
              + b.idb(113, endian=">", tsresol=12, tsoffset=5)
              + b.epb(1, 1_234_567_891_999, b"sll", endian=">")
              + b.epb(0, ts2, b.raw_frame(9), endian=">"))
    frames, reader = read_all(as_path(tmp_path, first + second, "two.pcapng"))
    assert frames == expected + [
        (1_234_567_891 + 5 * NS, 113, b"sll", 3),
        (1_700_000_000 * NS + NS // 2 + (3 * NS >> 20), 228, b.raw_frame(9), len(b.raw_frame(9))),
    ]
    assert (3 * NS >> 20) == 2861                          # 3 * 953.674... ns, floored
    assert reader.counters["pcapng_sections"] == 2


def test_pcapng_interface_ids_reset_per_section(tmp_path: Path) -> None:
    data = (b.shb() + b.idb(1) + b.idb(101) + b.shb() + b.idb(228)
            + b.epb(1, 5, b"x") + b.epb(0, 6, b"y"))
    frames, reader = read_all(as_path(tmp_path, data))
    assert frames == [(6000, 228, b"y", 1)]
    assert reader.counters["pcapng_unknown_interface"] == 1


def test_pcapng_spb_uses_snaplen_and_first_packet_ts_zero(tmp_path: Path) -> None:
    frame = bytes(range(100))
    data = b.shb() + b.idb(1, snaplen=64) + b.spb(frame[:64], orig_len=100) + b.spb(frame[:10])
    assert read_all(as_path(tmp_path, data))[0] == [(0, 1, frame[:64], 100), (0, 1, frame[:10], 10)]


def test_pcapng_spb_padding_not_returned(tmp_path: Path) -> None:
    data = b.shb() + b.idb(1) + b.spb(b"abcde")            # body padded to 8 bytes
    assert read_all(as_path(tmp_path, data))[0] == [(0, 1, b"abcde", 5)]


def test_pcapng_epb_options_and_padding(tmp_path: Path) -> None:
    data = b.shb() + b.idb(1) + b.epb(0, 1, b"abc", options=b.option(1, b"comment") + b.end_of_options())
    assert read_all(as_path(tmp_path, data))[0] == [(1000, 1, b"abc", 3)]


@pytest.mark.parametrize(("tsresol", "units", "expected_ns"), [
    (0, 7, 7 * NS), (3, 7, 7_000_000), (6, 7, 7_000), (9, 7, 7), (10, 17, 1), (0x80, 7, 7 * NS),
    (0x80 | 10, 1024, NS), (0x80 | 30, 1, 0), (0x80 | 30, 3 << 30, 3 * NS), (0x80 | 64, 1 << 63, NS // 2),
])
def test_pcapng_tsresol(tsresol: int, units: int, expected_ns: int, tmp_path: Path) -> None:
    data = b.shb() + b.idb(1, tsresol=tsresol) + b.epb(0, units, b"z")
    assert read_all(as_path(tmp_path, data))[0][0][0] == expected_ns


def test_pcapng_bad_option_length_is_counted_not_fatal(tmp_path: Path) -> None:
    body = struct.pack("<HHI", 1, 0, 0) + struct.pack("<HH", 9, 200) + b"\x06\x00\x00\x00"
    data = b.shb() + b.block(1, body) + b.epb(0, 2, b"q")
    frames, reader = read_all(as_path(tmp_path, data))
    assert frames == [(2000, 1, b"q", 1)]
    assert reader.counters["pcapng_bad_options"] == 1


# -- compression -------------------------------------------------------------------------------------

COMPRESSORS = {
    "gzip": gzip.compress,
    "bzip2": bz2.compress,
    "xz": lzma.compress,
    "zstd": lambda d: zstandard.ZstdCompressor().compress(d),
}


@pytest.mark.parametrize("kind", SOURCES)
@pytest.mark.parametrize("comp", sorted(COMPRESSORS))
def test_compressed_detected_by_content(comp: str, kind: str, tmp_path: Path) -> None:
    plain = b.pcap_file([(1, 2, FRAMES[0]), (3, 4, FRAMES[1])], nano=True)
    frames, reader = read_all(source_of(kind, tmp_path, COMPRESSORS[comp](plain)))  # named x.pcap
    assert frames == [(NS + 2, 1, FRAMES[0], len(FRAMES[0])), (3 * NS + 4, 1, FRAMES[1], len(FRAMES[1]))]
    assert (reader.format, reader.compression) == ("pcap", comp)


@pytest.mark.parametrize("comp", sorted(COMPRESSORS))
def test_compressed_pcapng(comp: str, tmp_path: Path) -> None:
    data, expected = _section(">")
    frames, reader = read_all(as_path(tmp_path, COMPRESSORS[comp](data), "x.pcapng"))
    assert frames == expected
    assert (reader.format, reader.compression) == ("pcapng", comp)


def test_multi_member_gzip_and_multi_frame_zstd(tmp_path: Path) -> None:
    plain = b.pcap_file([(1, 2, FRAMES[0]), (3, 4, FRAMES[1])])
    for data in (gzip.compress(plain[:30]) + gzip.compress(plain[30:]),
                 zstandard.ZstdCompressor().compress(plain[:50]) + zstandard.ZstdCompressor().compress(plain[50:])):
        assert len(read_all(as_path(tmp_path, data))[0]) == 2


def test_nested_compression_once(tmp_path: Path) -> None:
    plain = b.pcap_file([(1, 2, FRAMES[0])])
    frames, reader = read_all(as_path(tmp_path, lzma.compress(gzip.compress(plain))))
    assert len(frames) == 1 and reader.compression == "xz+gzip"


def test_plain_file_with_compressed_name(tmp_path: Path) -> None:
    frames, reader = read_all(as_path(tmp_path, b.pcap_file([(1, 2, FRAMES[0])]), "x.pcap.gz"))
    assert len(frames) == 1 and reader.compression is None


@pytest.mark.parametrize("comp", sorted(COMPRESSORS))
def test_corrupt_compressed_stream_yields_prefix_then_capture_error(comp: str, tmp_path: Path) -> None:
    records = [(i, i, b.eth_frame(i)) for i in range(50)]
    plain = b.pcap_file(records)
    packed = COMPRESSORS[comp](plain)
    for cut in range(0, len(packed), max(1, len(packed) // 60)):
        got: list = []
        with pytest.raises(CaptureError):
            with open_capture(io.BytesIO(packed[:cut])) as reader:
                got.extend(reader)
        assert got == [(s * NS + f * 1000, 1, fr, len(fr)) for s, f, fr in records[:len(got)]]


# -- stdin and file objects --------------------------------------------------------------------------

def test_stdin_pipe_with_compression(tmp_path: Path) -> None:
    data = gzip.compress(b.pcap_file([(1, 2, FRAMES[0]), (3, 4, FRAMES[1])]))
    code = ("from pcaptls.capture.files import open_capture\n"
            "with open_capture('-') as r:\n"
            "    print([(ts, lt, len(fr)) for ts, lt, fr, _ in r], r.format, r.compression, r.name)\n")
    done = subprocess.run([sys.executable, "-c", code], input=data, capture_output=True, cwd=ROOT, timeout=60,
                          env={**os.environ, "PYTHONPATH": str(ROOT)}, check=True)
    assert done.stdout.decode().split() == ["[(1000002000,", "1,", "46),", "(3000004000,", "1,", "46)]",
                                            "pcap", "gzip", "<stdin>"]


def test_close_closes_only_what_it_opened(tmp_path: Path) -> None:
    data = b.pcap_file([(1, 2, FRAMES[0])])
    given_file = io.BytesIO(data)
    with open_capture(given_file) as reader:
        list(reader)
    assert not given_file.closed
    with open_capture(as_path(tmp_path, data)) as reader:
        opened = list(reader._opened)
        assert opened
    assert all(getattr(o, "closed", True) for o in opened)
    assert reader.name == str(tmp_path / "x.pcap")


def test_iteration_continues_like_a_file(tmp_path: Path) -> None:
    with open_capture(as_path(tmp_path, b.pcap_file([(1, 2, FRAMES[0]), (3, 4, FRAMES[1])]))) as reader:
        first = next(iter(reader))
        rest = list(reader)
    assert first[0] == NS + 2000 and len(rest) == 1


# -- open errors -------------------------------------------------------------------------------------

def test_open_errors(tmp_path: Path) -> None:
    with pytest.raises(CaptureError, match="^.*x.pcap: empty file$") as err:
        open_capture(as_path(tmp_path, b""))
    assert err.value.path == str(tmp_path / "x.pcap")
    with pytest.raises(CaptureError, match=r"not a pcap or pcapng file \(magic 0x3c68746d\)"):
        open_capture(as_path(tmp_path, b"<html><body>"))
    with pytest.raises(CaptureError, match=r"not a pcap or pcapng file \(magic 0x0102\)"):
        open_capture(io.BytesIO(b"\x01\x02"))
    with pytest.raises(CaptureError, match="cannot open"):
        open_capture(tmp_path / "missing.pcap")
    with pytest.raises(CaptureError, match="cannot open"):
        open_capture(tmp_path)
    with pytest.raises(CaptureError, match=r"empty file \(gzip-compressed\)"):
        open_capture(io.BytesIO(gzip.compress(b"")))
    with pytest.raises(CaptureError, match=r"magic 0x7a7a7a7a\) inside gzip"):
        open_capture(io.BytesIO(gzip.compress(b"zzzzzzzz")))
    with pytest.raises(CaptureError, match="gzip decompression error"):
        open_capture(io.BytesIO(b"\x1f\x8b\x08\x00garbage-garbage"))


def test_name_overrides_path_in_errors(tmp_path: Path) -> None:
    with pytest.raises(CaptureError) as err:
        open_capture(as_path(tmp_path, b""), name="nice")
    assert str(err.value) == "nice: empty file"


# -- damage: every cut point, impossible lengths ---------------------------------------------------

def _boundaries(data: bytes, header: int, lengths: list[int]) -> list[int]:
    out, pos = [header], header
    for n in lengths:
        pos += n
        out.append(pos)
    assert pos == len(data)
    return out


PCAP3 = b.pcap_file([(1, 1, FRAMES[0]), (2, 2, FRAMES[1]), (3, 3, FRAMES[2])])
PCAP3_EXPECTED = [(n * NS + n * 1000, 1, FRAMES[n - 1], len(FRAMES[n - 1])) for n in (1, 2, 3)]
PCAP3_BOUNDS = _boundaries(PCAP3, 24, [16 + len(f) for f in FRAMES])

PCAPNG3_BLOCKS = [b.shb(), b.idb(1), b.epb(0, 1_000_001, FRAMES[0]), b.nrb(), b.epb(0, 2_000_002, FRAMES[1]),
                  b.spb(FRAMES[2])]
PCAPNG3 = b"".join(PCAPNG3_BLOCKS)
PCAPNG3_EXPECTED = [(1_000_001_000, 1, FRAMES[0], len(FRAMES[0])), (2_000_002_000, 1, FRAMES[1], len(FRAMES[1])),
                    (2_000_002_000, 1, FRAMES[2], len(FRAMES[2]))]
PCAPNG3_BOUNDS = _boundaries(PCAPNG3, 0, [len(x) for x in PCAPNG3_BLOCKS])
PCAPNG3_FRAME_ENDS = [PCAPNG3_BOUNDS[3], PCAPNG3_BOUNDS[5], PCAPNG3_BOUNDS[6]]


def _read_cut(data: bytes, kind: str, tmp_path: Path) -> tuple[list, CaptureError | None]:
    got: list = []
    try:
        with open_capture(source_of(kind, tmp_path, data)) as reader:
            for frame in reader:
                got.append(frame)
    except CaptureError as err:
        return got, err
    return got, None


@pytest.mark.parametrize("kind", SOURCES)
def test_pcap_every_cut(kind: str, tmp_path: Path) -> None:
    for cut in range(len(PCAP3) + 1):
        got, err = _read_cut(PCAP3[:cut], kind, tmp_path)
        complete = sum(1 for end in PCAP3_BOUNDS[1:] if end <= cut)
        assert got == PCAP3_EXPECTED[:complete], cut
        if cut in PCAP3_BOUNDS:
            assert err is None, cut
        else:
            assert err is not None, cut
            if cut >= 24:
                assert err.offset == PCAP3_BOUNDS[complete], cut   # start of the damaged record
            elif cut >= 4:
                assert err.offset == 0 and "file header" in err.detail


@pytest.mark.parametrize("kind", SOURCES)
def test_pcapng_every_cut(kind: str, tmp_path: Path) -> None:
    for cut in range(len(PCAPNG3) + 1):
        got, err = _read_cut(PCAPNG3[:cut], kind, tmp_path)
        complete = sum(1 for end in PCAPNG3_FRAME_ENDS if end <= cut)
        assert got == PCAPNG3_EXPECTED[:complete], cut
        if cut in PCAPNG3_BOUNDS[1:]:
            assert err is None, cut
        else:
            assert err is not None, cut
            if cut >= 4:
                assert err.offset == max(x for x in PCAPNG3_BOUNDS if x <= cut), cut


def test_pcap_impossible_caplen_after_good_frames(tmp_path: Path) -> None:
    bad = struct.pack("<IIII", 9, 9, 300_000, 300_000) + b"\x00" * 300_000
    got, err = _read_cut(PCAP3 + bad, "path", tmp_path)
    assert got == PCAP3_EXPECTED
    assert err is not None and err.offset == len(PCAP3) and "impossible captured length" in err.detail


@pytest.mark.parametrize(("damage", "detail"), [
    (struct.pack("<II", 6, 13) + b"\x00" * 5, "bad pcapng block length 13"),
    (struct.pack("<II", 6, 8), "bad pcapng block length 8"),
    (struct.pack("<II", 6, 1 << 30), "bad pcapng block length"),
    (b.block(6, b"\x00" * 20)[:-4] + struct.pack("<I", 99), "length mismatch"),
    (b.block(6, b"\x00" * 8), "enhanced packet block too short"),
    (b.block(6, struct.pack("<IIIII", 0, 0, 0, 50, 50) + b"\x00" * 8), "bad captured length 50"),
    (b.block(0x0A0D0D0A, b"\x00" * 16), "bad pcapng byte-order magic"),
    (b.shb(major=2), "unsupported pcapng version 2"),
    (b.block(1, b"\x00" * 4), "interface description block too short"),
    (b.block(3, b""), "simple packet block too short"),
])
def test_pcapng_damage_after_good_frames(damage: bytes, detail: str, tmp_path: Path) -> None:
    got, err = _read_cut(PCAPNG3 + damage + b.epb(0, 1, b"never"), "path", tmp_path)
    assert got == PCAPNG3_EXPECTED
    assert err is not None and detail in err.detail and err.offset == len(PCAPNG3)


def test_read_error_is_capture_error() -> None:
    class Failing(io.RawIOBase):
        def __init__(self) -> None:
            self._sent = False

        def readable(self) -> bool:
            return True

        def readinto(self, buf) -> int:  # type: ignore[no-untyped-def]
            if self._sent:
                raise OSError(5, "Input/output error")
            self._sent = True
            buf[:len(PCAP3) - 10] = PCAP3[:-10]
            return len(PCAP3) - 10

    got: list = []
    with pytest.raises(CaptureError, match="read error") as exc:
        with open_capture(Failing()) as reader:
            got.extend(reader)
    assert got == PCAP3_EXPECTED[:2]
    assert isinstance(exc.value.__cause__, OSError)


# -- arbitrary bytes: frames or CaptureError, nothing else ------------------------------------------

def _frames_or_capture_error(data: bytes, source=None) -> None:  # type: ignore[no-untyped-def]
    try:
        with open_capture(io.BytesIO(data) if source is None else source) as reader:
            for ts_ns, linktype, frame, orig_len in reader:
                assert type(ts_ns) is int and type(linktype) is int and type(frame) is bytes
                assert type(orig_len) is int
    except CaptureError:
        pass


PREFIXES = [b"", b.pcap_header(), b.pcap_header(endian=">", magic=b.PCAP_MAGIC_NS),
            b.pcap_header(magic=b.PCAP_MAGIC_MODIFIED), b.shb() + b.idb(1), b.shb(endian=">") + b.idb(1, endian=">"),
            b.shb(), b"\x1f\x8b", b"BZh", b"\xfd7zXZ\x00", b"\x28\xb5\x2f\xfd"]


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(PREFIXES), st.binary(max_size=600))
def test_arbitrary_bytes_yield_frames_or_capture_error(prefix: bytes, data: bytes) -> None:
    _frames_or_capture_error(prefix + data)


@settings(max_examples=300)
@given(st.sampled_from([PCAP3, PCAPNG3, gzip.compress(PCAP3)]),
       st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 255)), min_size=1, max_size=4))
def test_mutated_files_yield_frames_or_capture_error(data: bytes, flips: list[tuple[int, int]]) -> None:
    buf = bytearray(data)
    for pos, value in flips:
        buf[pos % len(buf)] = value
    _frames_or_capture_error(bytes(buf))


@settings(max_examples=100, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(PREFIXES), st.binary(max_size=600))
def test_arbitrary_files_on_disk_yield_frames_or_capture_error(tmp_path_factory: pytest.TempPathFactory,
                                                                prefix: bytes, data: bytes) -> None:
    path = tmp_path_factory.mktemp("fuzz") / "x.pcap"              # plain files are mmap'ed: a second code path
    path.write_bytes(prefix + data)
    _frames_or_capture_error(b"", path)


def test_a_pipe_is_widened_and_read_whole(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Reading a pipe (tcpdump -w - | pcaptls inspect -): the pipe is made 1 MiB where Linux allows it, and
    every frame still comes through."""
    import fcntl
    import threading

    frames = [bytes([i % 256]) * (60 + i % 1400) for i in range(3000)]
    data = b.pcap_header() + b"".join(b.pcap_record(1_700_000_000 + i, i, f) for i, f in enumerate(frames))
    r, w = os.pipe()

    def write_all() -> None:
        view = memoryview(data)
        while view:
            view = view[os.write(w, view):]
        os.close(w)

    writer = threading.Thread(target=write_all)
    writer.start()
    with os.fdopen(r, "rb") as stream:
        reader = open_capture(stream)
        assert fcntl.fcntl(r, getattr(fcntl, "F_GETPIPE_SZ", 1032)) >= 1 << 20
        got = [frame for _ts, _lt, frame, _orig in reader]
    writer.join()
    assert got == frames
