"""CloudTrail-shaped records. Owns: mapping a connection onto the fields of a CloudTrail event that carry
TLS facts (``eventTime``, ``sourceIPAddress``, ``tlsDetails``), so CloudTrail Lake / Athena queries carry
over. Imports: results, report.rows, tls.registry.

CloudTrail writes ``tlsDetails.tlsVersion`` as ``TLSv1.2`` and ``cipherSuite`` in OpenSSL naming
(``ECDHE-RSA-AES128-GCM-SHA256``); ``clientProvidedHostHeader`` is the host name the client asked for.
Fields CloudTrail has but a packet capture cannot know (eventName, userIdentity, ...) are left out rather
than invented; what only pcaptls knows goes under ``pcaptls``.
"""
from __future__ import annotations

from pcaptls.report.rows import connection_row
from pcaptls.results import Connection


def cloudtrail_record(c: Connection) -> dict[str, object]:
    row = connection_row(c)
    host = row["sni"] or row["server_name"]
    record: dict[str, object] = {
        "eventVersion": "1.08",
        "eventTime": row["ts"][:19] + "Z",
        "eventSource": f"{row['aws_service']}.amazonaws.com" if row["aws_service"] else None,
        "awsRegion": row["aws_region"],
        "sourceIPAddress": row["client_ip"],
        "tlsDetails": {
            "tlsVersion": row["negotiated_version"],
            "cipherSuite": row["cipher_suite_openssl"] or row["cipher_suite"],
            "clientProvidedHostHeader": host,
        },
        "pcaptls": {
            "capture": row["capture"], "conn": row["conn"], "ts": row["ts"],
            "server_ip": row["server_ip"], "server_port": row["server_port"],
            "client_max_version": row["client_max_version"], "outcome": row["outcome"],
            "alert": row["alert"], "aws_fips": row["aws_fips"],
            "tls12_required_since": row["tls12_required_since"],
        },
    }
    return record
