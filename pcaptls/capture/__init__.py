"""The capture layer, the only code that opens capture files. Owns: frames in (files), TCP/UDP segments out (decap).
Imports: errors.

``open_capture(source)`` -> ``CaptureReader`` yielding ``(ts_ns, linktype, frame, orig_len)``;
``decode_frame(linktype, frame, counters)`` -> ``(proto, src, dst, sport, dport, seq, ack, flags, payload, missing)``
or ``None`` with one skip counter incremented.
"""
from __future__ import annotations

from pcaptls.capture.decap import decode_frame
from pcaptls.capture.files import CaptureReader, open_capture

__all__ = ["CaptureReader", "decode_frame", "open_capture"]
