"""tcp/flows.py: when a SYN on a 4-tuple that has a connection starts a new one (docs/schema.md, Connection
numbers). The same rules on a capture: tests/test_pipeline.py, syn_same_isn.pcap."""
from __future__ import annotations

import pytest

from pcaptls.tcp.flows import Flow

ISN = 0x0A0A0000


def _flow(*, client_isn: int | None = ISN, fin: tuple[bool, bool] = (False, False), rst: bool = False,
          closed: bool = False) -> Flow:
    flow = Flow(0, ("a", 1, "b", 2), 0, max_pending_bytes=1024)
    flow.isn = [client_isn, None]
    flow.fin, flow.rst, flow.closed = list(fin), rst, closed
    return flow


@pytest.mark.parametrize(("state", "seq", "new"), [
    ({}, ISN, False),                                   # a retransmitted SYN
    ({}, ISN + 1, True),                                # another ISN
    ({"rst": True}, ISN, True),                         # the same ISN after a RST (a client retrying)
    ({"fin": (True, False)}, ISN, True),                # ... after one FIN, either side's
    ({"fin": (False, True)}, ISN, True),
    ({"closed": True}, ISN, True),                      # the connection was finished
    ({"client_isn": None}, ISN, False),                 # no SYN seen yet (capture started mid-connection)
])
def test_is_new_connection(state: dict, seq: int, new: bool) -> None:
    assert _flow(**state).is_new_connection(0, seq, 0x02) is new


def test_the_other_side_is_judged_by_its_own_isn() -> None:
    flow = _flow()
    flow.isn[1] = 0x0B0B0000                            # the server's SYN-ACK
    assert not flow.is_new_connection(1, 0x0B0B0000, 0x02)
    assert flow.is_new_connection(1, ISN, 0x02)         # the client's ISN is not the server's
