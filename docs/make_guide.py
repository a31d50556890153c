"""Regenerate docs/guide.md from real pcaptls output on the guide's capture: python3 docs/make_guide.py"""
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
F = "fixtures/captures/crafted/seed_cloudwatch_fips.pcap"


def run(*args: str) -> str:
    done = subprocess.run([sys.executable, "-m", "pcaptls", *args], cwd=ROOT, capture_output=True, text=True)
    return (done.stdout + done.stderr).rstrip("\n")


OUT = {
    "report": run("report", F, "-q"),
    "inspect": run("inspect", F),
    "show": run("show", F, "--client", "10.25.35.243", "--sni", "monitoring.us-gov-west-1.amazonaws.com",
                "--conn", "0", "--no-color"),
    "cloudtrail": json.dumps(json.loads(run("inspect", F, "--fips-only", "--below", "TLSv1.2", "--format",
                                            "cloudtrail", "-q").splitlines()[0]), indent=4),
}
DOC = f'''# User guide: find the TLS 1.0 client of the CloudWatch FIPS endpoint

The scenario: an application in AWS GovCloud (us-gov-west-1) sends metrics to CloudWatch through the FIPS
endpoint `monitoring.us-gov-west-1.amazonaws.com`. AWS FIPS endpoints have required TLS 1.2 since
2021-03-31 (all AWS API endpoints since 2023-06-28), and something on the network is failing. You have a
tcpdump capture. With Wireshark you would filter one conversation at a time, expand each ClientHello, and
probably misread the record-layer `0x0301` as "TLS 1.0". Here is the same investigation with pcaptls, on
the capture `{F}` (every output below is real output of that file, made by `python3 docs/make_guide.py`;
`tests/report/test_verdict.py` checks the facts it shows).

## 1. Capture

```
tcpdump -i any -w /tmp/app.pcap 'port 53 or port 443'
```

Capture DNS too (`port 53`): old clients send no SNI, and the DNS answers in the capture are what names the
server then. If you cannot capture DNS, save `nslookup monitoring.us-gov-west-1.amazonaws.com` output and
pass it with `--dns-snapshot` (see [snapshots.md](snapshots.md)).

## 2. The answer first: `pcaptls report`

```
$ pcaptls report {F}
{OUT['report']}
```

The first line answers the question. The first row is the problem: `10.25.35.243` offers at most TLS 1.0 to
the CloudWatch FIPS endpoint, which has required TLS 1.2 since 2021-03-31, and both of its handshakes
failed with a `protocol_version` alert from the server. The same host talks TLS 1.2 to an intranet server:
another program on it, which is why the report is per client and server, not per host.
`--format markdown` pastes into a ticket; `--format json` or `csv` feeds scripts.

## 3. Every connection: `pcaptls inspect`

```
$ pcaptls inspect {F}
{OUT['inspect']}
```

Read `record` with care: it is the record-layer version, and OpenSSL-style clients write `0x0301` there in
every first ClientHello, including TLS 1.3 ones (connection 3). `client max` is what the client can do;
`negotiated` is what the server chose. The TLS 1.0 connections have no SNI; their `server name` comes from
the DNS answer earlier in the capture (`name_source` is `dns` in the JSON output; `pcaptls names` lists the
table it learned).

## 4. The detail of one handshake: `pcaptls show`

```
$ pcaptls show {F} --client 10.25.35.243 --sni monitoring.us-gov-west-1.amazonaws.com --conn 0
{OUT['show']}
```

`--hex` adds a hex dump of each hello; colours appear on a terminal.

## 5. Gate it in CI or a cron job

```
pcaptls inspect /tmp/app.pcap --fail-on legacy -q -o /dev/null || echo "legacy TLS present (exit $?)"
```

Exit codes: 0 ok, 1 unreadable or damaged capture, 2 usage error, 3 a selected client cannot do TLS 1.2.
Narrow the selection with `--aws-only`, `--fips-only`, `--client`, `--server`, `--sni`, `--below`.

## 6. Carry your CloudTrail habits over

`--format cloudtrail` writes one CloudTrail-shaped record per connection (`eventTime`, `sourceIPAddress`,
`tlsDetails.tlsVersion`, `tlsDetails.cipherSuite` in OpenSSL naming, `tlsDetails.clientProvidedHostHeader`),
so queries written for CloudTrail Lake or Athena over `tlsDetails` work on captures too:

```
$ pcaptls inspect {F} --fips-only --below TLSv1.2 --format cloudtrail -q | head -1 | python -m json.tool
{OUT['cloudtrail']}
```
'''

GUIDE = ROOT / "docs" / "guide.md"
if "--check" in sys.argv:
    sys.exit(0 if GUIDE.read_text() == DOC else "docs/guide.md is out of date: run python3 docs/make_guide.py")
GUIDE.write_text(DOC)
