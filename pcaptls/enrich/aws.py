"""Map a hostname to the AWS API endpoint it names. Owns: catalog index, hostname patterns, TLS 1.2 dates.
Imports: errors (and stdlib only).

The catalog is botocore's ``endpoints.json`` (format version 3). ``load_catalog`` is pure: it takes the
file's bytes (plain or gzip) or the parsed dict. ``load_shipped_catalog`` is the one function that reads
a file (the snapshot in ``enrich/data/``); it may move to ``enrich/loaders.py``. See docs/aws.md.
"""
from __future__ import annotations

import functools
import gzip
import hashlib
import importlib.resources
import json
import re
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, replace
from types import MappingProxyType
from typing import Any

from pcaptls.errors import EnrichmentDataError

TLS12_FIPS_SINCE = "2021-03-31"  # AWS Security Bulletin AWS-2020-001: all FIPS endpoints TLS >= 1.2 by this date
TLS12_ALL_SINCE = "2023-06-28"   # AWS Security Blog, 2022-06-28: all AWS API endpoints, all Regions, by this date

SHIPPED_CATALOG = "endpoints.json.gz"
SHIPPED_INDEX = "endpoints.index.json.gz"     # its hostnames, rendered (written by catalog_refresh)

# Endpoint prefix -> the name AWS gives the service. Unknown prefixes get service_name None.
SERVICE_NAMES: Mapping[str, str] = MappingProxyType({
    "account": "Account Management", "acm": "ACM", "acm-pca": "Private CA", "airflow": "MWAA", "api.ecr": "ECR",
    "api.sagemaker": "SageMaker", "apigateway": "API Gateway",
    "application-autoscaling": "Application Auto Scaling", "athena": "Athena",
    "autoscaling": "EC2 Auto Scaling", "backup": "Backup", "batch": "Batch", "bedrock": "Bedrock",
    "bedrock-runtime": "Bedrock Runtime", "ce": "Cost Explorer", "cloudformation": "CloudFormation",
    "cloudfront": "CloudFront", "cloudtrail": "CloudTrail", "codebuild": "CodeBuild",
    "codecommit": "CodeCommit", "codedeploy": "CodeDeploy", "codepipeline": "CodePipeline",
    "cognito-identity": "Cognito Identity", "cognito-idp": "Cognito User Pools", "config": "Config",
    "datasync": "DataSync", "directconnect": "Direct Connect", "dms": "DMS", "ds": "Directory Service",
    "dynamodb": "DynamoDB", "ec2": "EC2", "ecs": "ECS", "eks": "EKS", "elasticache": "ElastiCache",
    "elasticbeanstalk": "Elastic Beanstalk", "elasticfilesystem": "EFS",
    "elasticloadbalancing": "Elastic Load Balancing", "elasticmapreduce": "EMR", "email": "SES",
    "es": "OpenSearch Service", "events": "EventBridge", "firehose": "Data Firehose", "fsx": "FSx",
    "glacier": "S3 Glacier", "glue": "Glue", "guardduty": "GuardDuty", "health": "Health", "iam": "IAM",
    "identitystore": "Identity Store", "inspector2": "Inspector", "kafka": "MSK", "kinesis": "Kinesis",
    "kms": "KMS", "lambda": "Lambda", "logs": "CloudWatch Logs", "monitoring": "CloudWatch",
    "organizations": "Organizations", "portal.sso": "IAM Identity Center", "ram": "RAM", "rds": "RDS",
    "redshift": "Redshift", "route53": "Route 53", "runtime.sagemaker": "SageMaker Runtime", "s3": "S3",
    "s3-control": "S3 Control", "secretsmanager": "Secrets Manager", "securityhub": "Security Hub",
    "servicequotas": "Service Quotas", "sns": "SNS", "sqs": "SQS", "ssm": "Systems Manager",
    "sso": "IAM Identity Center", "states": "Step Functions", "storagegateway": "Storage Gateway",
    "streams.dynamodb": "DynamoDB Streams", "sts": "STS", "support": "Support",
    "tagging": "Resource Groups Tagging", "waf": "WAF", "wafv2": "WAF", "xray": "X-Ray",
})


@dataclass(frozen=True, slots=True)
class AwsEndpoint:
    hostname: str
    partition: str                  # "aws", "aws-cn", "aws-us-gov", "aws-iso", ... as the catalog names it
    service: str                    # endpoint prefix, e.g. "monitoring", "api.ecr"
    service_name: str | None        # e.g. "CloudWatch"; None if not in SERVICE_NAMES
    region: str | None              # the region in the hostname; None for e.g. iam.amazonaws.com
    fips: bool
    dualstack: bool
    global_endpoint: bool           # one endpoint serves the whole partition (partitionEndpoint)
    s3_form: str | None             # path, legacy, virtual-hosted, accesspoint, website, control; None if not S3
    tls12_required_since: str | None


@dataclass(frozen=True, slots=True)
class _Partition:
    name: str
    dns_suffix: str
    dualstack_suffixes: frozenset[str]
    regions: frozenset[str]
    region_regex: re.Pattern[str] | None

    def is_region(self, name: str) -> bool:
        return name in self.regions or bool(self.region_regex and self.region_regex.fullmatch(name))


_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")
_ACCOUNT = re.compile(r"\d{12}")
_ACCESS_POINT = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,48})-\d{12}")
# S3 markers followed by [dualstack.]{region}: marker -> (service, form, fips)
_S3_REGIONAL = {
    "s3": ("s3", "path", False), "s3-fips": ("s3", "path", True),
    "s3-accesspoint": ("s3", "accesspoint", False), "s3-accesspoint-fips": ("s3", "accesspoint", True),
    "s3-control": ("s3-control", "control", False), "s3-control-fips": ("s3-control", "control", True),
    "s3-website": ("s3", "website", False),
}
_S3_LEGACY = re.compile(r"s3(?P<fips>-fips)?-(?P<region>[a-z0-9-]+)")
_S3_WEBSITE_LEGACY = re.compile(r"s3-website-(?P<region>[a-z0-9-]+)")


class Catalog:
    """An indexed endpoint catalog. ``lookup`` is the only question it answers."""

    __slots__ = ("_dotted", "_index", "_partitions", "_rows", "_services", "_suffixes")

    def __init__(self, partitions: tuple[_Partition, ...], services: frozenset[str],
                 index: Mapping[str, AwsEndpoint], rows: Mapping[str, tuple] | None = None) -> None:
        """``rows``: hostname -> the pre-rendered index row (see SHIPPED_INDEX), made into an AwsEndpoint
        on first lookup (11,000 objects a run would not use cost 20 ms at start-up)."""
        self._partitions = partitions
        self._services = services
        self._index = dict(index)
        self._rows = dict(rows or {})
        by_suffix: dict[str, list[_Partition]] = {}
        for part in partitions:
            for suffix in (part.dns_suffix, *sorted(part.dualstack_suffixes)):
                if part not in by_suffix.setdefault(suffix, []):
                    by_suffix[suffix].append(part)
        self._suffixes = tuple(sorted(((s, tuple(p)) for s, p in by_suffix.items()), key=lambda sp: -len(sp[0])))
        self._dotted = tuple("." + s for s, _ in self._suffixes)

    def __len__(self) -> int:
        return len(self._index) + len(self._rows)

    def _get(self, host: str) -> AwsEndpoint | None:
        hit = self._index.get(host)
        if hit is None and self._rows:
            row = self._rows.pop(host, None)
            if row is not None:
                hit = self._index[host] = _row_endpoint(row)
        return hit

    @property
    def partitions(self) -> tuple[str, ...]:
        return tuple(p.name for p in self._partitions)

    @property
    def hostnames(self) -> Mapping[str, AwsEndpoint]:
        """Every hostname the catalog enumerates, already resolved (read-only)."""
        while self._rows:
            host, row = self._rows.popitem()
            self._index[host] = _row_endpoint(row)
        return MappingProxyType(self._index)

    def lookup(self, hostname: str) -> AwsEndpoint | None:
        """The AWS endpoint ``hostname`` names, or None if it is not an AWS API endpoint name we know."""
        if not isinstance(hostname, str):
            raise TypeError(f"hostname must be str, not {type(hostname).__name__}")
        host = hostname.strip().lower()
        host = host[:-1] if host.endswith(".") else host
        if not host or len(host) > 253 or not host.isascii():
            return None
        hit = self._get(host)
        if hit is not None:
            return hit
        if not host.endswith(self._dotted):      # under no partition's DNS suffix: most names of a capture
            return None
        labels = host.split(".")
        if not all(_LABEL.fullmatch(label) for label in labels):
            return None
        for suffix, parts in self._suffixes:
            if host.endswith("." + suffix):
                rest = labels[: -(suffix.count(".") + 1)]
                for part in parts:
                    hit = self._match(host, rest, suffix, part)
                    if hit is not None:
                        return hit
        return None

    def _match(self, host: str, rest: list[str], suffix: str, part: _Partition) -> AwsEndpoint | None:
        hit = self._match_service(host, rest, suffix, part)
        if hit is not None:
            return hit
        # S3 names carry a bucket / access point / account id in front of an S3 endpoint name.
        for i in range(len(rest) - 1, -1, -1):
            if rest[i].startswith("s3"):
                prefix, bare = rest[:i], rest[i:]
                base = self._get(".".join(bare) + "." + suffix) or self._match_s3(bare, suffix, part)
                if base is None or base.s3_form is None:
                    return None
                form = _prefixed_s3_form(base.s3_form, prefix)
                return None if form is None else replace(base, hostname=host, s3_form=form)
        return None

    def _match_service(self, host: str, rest: list[str], suffix: str, part: _Partition) -> AwsEndpoint | None:
        """``{service}[-fips].{region}.{suffix}`` and ``fips.{service}.{region}.{suffix}``."""
        if len(rest) < 2 or not part.is_region(rest[-1]):
            return None
        service, fips = ".".join(rest[:-1]), False
        if service not in self._services:
            if service.endswith("-fips") and service[:-5] in self._services:
                service, fips = service[:-5], True
            elif service.startswith("fips.") and service[5:] in self._services:
                service, fips = service[5:], True
            else:
                return None
        s3_form = {"s3": "path", "s3-control": "control"}.get(service)
        return _endpoint(host, part.name, service, rest[-1], fips=fips, dualstack=suffix in part.dualstack_suffixes,
                         global_endpoint=False, s3_form=s3_form)

    def _match_s3(self, bare: list[str], suffix: str, part: _Partition) -> AwsEndpoint | None:
        """An S3 endpoint name (no bucket) that the catalog does not enumerate."""
        host = ".".join(bare) + "." + suffix
        if len(bare) == 1 and suffix == part.dns_suffix:          # legacy dash-region forms
            if bare[0] == "s3-global" and part.name == "aws":      # multi-region access points
                return _endpoint(host, part.name, "s3", None, fips=False, dualstack=False,
                                 global_endpoint=True, s3_form="accesspoint")
            if m := _S3_WEBSITE_LEGACY.fullmatch(bare[0]):
                region, fips, form = m["region"], False, "website"
            elif m := _S3_LEGACY.fullmatch(bare[0]):
                region, fips, form = m["region"], bool(m["fips"]), "legacy"
            else:
                return None
            if not part.is_region(region):
                return None
            return _endpoint(host, part.name, "s3", region, fips=fips, dualstack=False,
                             global_endpoint=False, s3_form=form)
        dualstack = len(bare) == 3 and bare[1] == "dualstack"
        if len(bare) != 2 + dualstack or bare[0] not in _S3_REGIONAL or not part.is_region(bare[-1]):
            return None
        service, form, fips = _S3_REGIONAL[bare[0]]
        if form == "website" and (dualstack or suffix != part.dns_suffix):
            return None
        dualstack = dualstack or suffix in part.dualstack_suffixes
        return _endpoint(host, part.name, service, bare[-1], fips=fips, dualstack=dualstack,
                         global_endpoint=False, s3_form=form)


def _prefixed_s3_form(form: str, prefix: list[str]) -> str | None:
    """The S3 form of ``{prefix}.{endpoint}``, or None if that prefix is not valid in front of it."""
    if not prefix:
        return None if form == "accesspoint" else form
    if form in ("path", "legacy", "website"):
        bucket = ".".join(prefix)
        return ("website" if form == "website" else "virtual-hosted") if 3 <= len(bucket) <= 63 else None
    if form == "control":
        return form if len(prefix) == 1 and _ACCOUNT.fullmatch(prefix[0]) else None
    if form == "accesspoint":
        if len(prefix) == 1 and _ACCESS_POINT.fullmatch(prefix[0]):
            return form
        if len(prefix) == 3 and prefix[1:] == ["mrap", "accesspoint"]:   # {alias}.mrap.accesspoint.s3-global
            return form
    return None


def _row_endpoint(row: tuple | list) -> AwsEndpoint:
    """A row of the pre-rendered index: host, partition, service, region, fips, dualstack, global, s3_form."""
    host, partition, service, region, fips, dualstack, global_endpoint, s3_form = row
    return _endpoint(host, partition, service, region, fips=fips, dualstack=dualstack,
                     global_endpoint=global_endpoint, s3_form=s3_form)


def _endpoint(host: str, partition: str, service: str, region: str | None, *, fips: bool, dualstack: bool,
              global_endpoint: bool, s3_form: str | None) -> AwsEndpoint:
    if s3_form == "website":
        since = None            # website endpoints serve plain HTTP only; no TLS policy to state
    else:
        since = TLS12_FIPS_SINCE if fips else TLS12_ALL_SINCE
    return AwsEndpoint(host, partition, service, SERVICE_NAMES.get(service), region, fips, dualstack,
                       global_endpoint, s3_form, since)


# ---------------------------------------------------------------------------------------------------------
# Building the index from endpoints.json


def load_catalog(data: bytes | Mapping[str, Any], prebuilt: list | None = None) -> Catalog:
    """Index a botocore endpoints.json given as bytes (plain or gzip) or as the parsed dict. ``prebuilt``:
    the rendered hostnames (``index_rows`` of the same catalog), which saves rendering them (0.28 s)."""
    if isinstance(data, (bytes, bytearray, memoryview)):
        raw = bytes(data)
        try:
            if raw[:2] == b"\x1f\x8b":
                raw = gzip.decompress(raw)
            data = json.loads(raw)
        except (OSError, EOFError, zlib.error, UnicodeDecodeError, json.JSONDecodeError) as err:
            raise EnrichmentDataError(f"endpoint catalog is not gzip/JSON: {err}") from err
    elif not isinstance(data, Mapping):
        raise TypeError(f"load_catalog takes bytes or a dict, not {type(data).__name__}")
    try:
        return _build(data, prebuilt)
    except (TypeError, AttributeError, KeyError, ValueError) as err:   # a field of the wrong shape
        raise EnrichmentDataError(f"endpoint catalog is malformed: {err!r}") from err


def index_rows(catalog: Catalog) -> list[list[Any]]:
    """The catalog's rendered hostnames as plain rows, for SHIPPED_INDEX."""
    return [[e.hostname, e.partition, e.service, e.region, e.fips, e.dualstack, e.global_endpoint, e.s3_form]
            for e in sorted(catalog.hostnames.values(), key=lambda e: e.hostname)]


def index_document(raw: bytes, catalog: Catalog) -> bytes:
    """SHIPPED_INDEX's content for the catalog file ``raw`` (gzip or plain) it was built from."""
    body = {"catalog_sha256": hashlib.sha256(raw).hexdigest(), "rows": index_rows(catalog)}
    return gzip.compress(json.dumps(body, separators=(",", ":")).encode(), compresslevel=9, mtime=0)


@functools.lru_cache(maxsize=1)
def load_shipped_catalog() -> Catalog:
    """The catalog snapshot shipped in pcaptls/enrich/data/ (see SOURCE.md there), with its pre-rendered
    hostname index when that was built from this very file (else the hostnames are rendered here)."""
    data = importlib.resources.files("pcaptls.enrich").joinpath("data")
    try:
        raw = data.joinpath(SHIPPED_CATALOG).read_bytes()
    except OSError as err:
        raise EnrichmentDataError(f"shipped endpoint catalog missing: {err}") from err
    prebuilt = None
    try:
        index = json.loads(gzip.decompress(data.joinpath(SHIPPED_INDEX).read_bytes()))
        if index.get("catalog_sha256") == hashlib.sha256(raw).hexdigest():
            prebuilt = index["rows"]
    except (OSError, EOFError, zlib.error, ValueError, AttributeError, KeyError):
        prebuilt = None                 # no usable index: render the hostnames instead
    return load_catalog(raw, prebuilt)


def _field(obj: Any, key: str, kind: type, what: str) -> Any:
    value = obj.get(key) if isinstance(obj, Mapping) else None
    if not isinstance(value, kind):
        raise EnrichmentDataError(f"endpoint catalog: {what}: {key!r} missing or not a {kind.__name__}")
    return value


def _variant(level: Mapping[str, Any], tags: frozenset[str]) -> Mapping[str, Any]:
    for v in level.get("variants") or ():
        if isinstance(v, Mapping) and frozenset(v.get("tags") or ()) == tags:
            return v
    return {}


@dataclass(frozen=True, slots=True)
class _Candidate:
    endpoint: AwsEndpoint
    rank: tuple[bool, bool, bool]   # (key is a region, not deprecated, hostname starts with the service)


def _build(doc: Mapping[str, Any], prebuilt: list | None = None) -> Catalog:
    candidates: dict[str, list[_Candidate]] = {}
    partitions, services = [], set()
    for pdoc in _field(doc, "partitions", list, "top level"):
        name = _field(pdoc, "partition", str, "partition")
        what = f"partition {name}"
        defaults = _field(pdoc, "defaults", dict, what) if "defaults" in pdoc else {}
        dualstack_suffixes = frozenset(
            v["dnsSuffix"].lower() for v in defaults.get("variants") or ()
            if isinstance(v, Mapping) and "dualstack" in (v.get("tags") or ()) and isinstance(v.get("dnsSuffix"), str))
        try:
            regex = re.compile(pdoc["regionRegex"]) if pdoc.get("regionRegex") else None
        except (re.error, TypeError) as err:
            raise EnrichmentDataError(f"endpoint catalog: {what}: bad regionRegex: {err}") from err
        part = _Partition(name, _field(pdoc, "dnsSuffix", str, what).lower(), dualstack_suffixes,
                          frozenset(_field(pdoc, "regions", dict, what)), regex)
        partitions.append(part)
        for service, sdoc in _field(pdoc, "services", dict, what).items():
            services.add(service)
            endpoints = _field(sdoc, "endpoints", dict, f"{what} service {service}")
            if prebuilt is not None:
                continue                   # the hostnames come rendered already (see SHIPPED_INDEX)
            for key, edoc in endpoints.items():
                if isinstance(edoc, Mapping):
                    for cand in _render(part, defaults, service, sdoc, key, edoc):
                        candidates.setdefault(cand.endpoint.hostname, []).append(cand)
    index, rows = {}, {}
    for row in prebuilt or ():
        rows[row[0]] = row                  # made into an AwsEndpoint when looked up (Catalog._get)
        services.add(row[2])
    for host, cands in candidates.items():
        best = max(cands, key=lambda c: c.rank).endpoint   # max() keeps the first of equals: catalog order
        index[host] = _endpoint(host, best.partition, best.service, best.region,
                                fips=any(c.endpoint.fips for c in cands),
                                dualstack=any(c.endpoint.dualstack for c in cands),
                                global_endpoint=best.global_endpoint, s3_form=best.s3_form)
        services.add(best.service)
    return Catalog(tuple(partitions), frozenset(services), index, rows)


def _render(part: _Partition, pdefaults: Mapping[str, Any], service: str, sdoc: Mapping[str, Any],
            key: str, edoc: Mapping[str, Any]) -> list[_Candidate]:
    """Hostnames of one catalog endpoint: the standard one and each variant, as botocore renders them."""
    sdefaults = sdoc.get("defaults") if isinstance(sdoc.get("defaults"), Mapping) else {}
    regional = part.is_region(key)
    is_global = not regional and (key == sdoc.get("partitionEndpoint") or "global" in key)
    tagsets = {frozenset(v.get("tags") or ()) for v in edoc.get("variants") or () if isinstance(v, Mapping)}
    if regional:   # service-wide variants apply to each region (botocore's _resolve_variant)
        tagsets |= {frozenset(v.get("tags") or ()) for v in sdefaults.get("variants") or () if isinstance(v, Mapping)}
    jobs = [(frozenset(), edoc.get("hostname") or sdefaults.get("hostname") or pdefaults.get("hostname"),
             part.dns_suffix, "hostname" in edoc)]
    for tags in sorted(tagsets, key=sorted):
        levels = [_variant(edoc, tags), _variant(sdefaults, tags), _variant(pdefaults, tags)]
        template = next((lv["hostname"] for lv in levels if "hostname" in lv), None)
        suffix = next((lv["dnsSuffix"] for lv in levels if "dnsSuffix" in lv), part.dns_suffix)
        jobs.append((tags, template, suffix, "hostname" in levels[0]))
    out = []
    for tags, template, suffix, explicit in jobs:
        if not isinstance(template, str) or not isinstance(suffix, str) or not tags <= {"fips", "dualstack"}:
            continue
        if "{region}" in template and not regional:
            continue        # e.g. deprecated alias keys without a hostname would render "iam.iam-fips.amazonaws.com"
        if regional and not explicit and "{region}" not in template:
            continue        # a service-wide default naming one fixed host is not this region's endpoint
        host = template.replace("{service}", service).replace("{region}", key).replace("{dnsSuffix}", suffix).lower()
        labels = host.split(".")
        if len(labels) < 2 or not all(_LABEL.fullmatch(label) for label in labels):
            continue        # e.g. "localhost:8000" (DynamoDB Local)
        region = key if regional else _region_in(host, part, edoc, is_global)
        name = service if regional or is_global else _alias_prefix(host, region, suffix) or service
        fips = "fips" in tags or "fips" in key.split("-")
        s3_form = None
        if name == "s3":
            s3_form = "path" if labels[0] in ("s3", "s3-fips") else "legacy"
        elif name == "s3-control":
            s3_form = "control"
        dualstack = "dualstack" in tags or host.endswith(tuple("." + s for s in part.dualstack_suffixes))
        ep = AwsEndpoint(host, part.name, name, None, region, fips, dualstack, is_global, s3_form, None)
        rank = (regional, not edoc.get("deprecated", False), host.startswith((name + ".", name + "-")))
        out.append(_Candidate(ep, rank))
    return out


def _region_in(host: str, part: _Partition, edoc: Mapping[str, Any], is_global: bool) -> str | None:
    """Region of a non-region catalog key: the region named in the hostname, else its credential scope."""
    scope_doc = edoc.get("credentialScope")
    scope = scope_doc.get("region") if isinstance(scope_doc, Mapping) else None
    for region in ([scope] if isinstance(scope, str) else []) + sorted(part.regions, key=len, reverse=True):
        if re.search(rf"(?:^|[.-]){re.escape(region)}(?:[.-]|$)", host):
            return region
    return scope if isinstance(scope, str) and not is_global and part.is_region(scope) else None


def _alias_prefix(host: str, region: str | None, suffix: str) -> str | None:
    """For alias keys such as bedrock's "bedrock-runtime-us-east-1": the prefix the hostname really uses."""
    tail = f".{region}.{suffix}"
    if region is None or not host.endswith(tail):
        return None
    prefix = host[: -len(tail)]
    prefix = prefix[:-5] if prefix.endswith("-fips") else prefix
    prefix = prefix[5:] if prefix.startswith("fips.") else prefix
    return prefix.replace("-fips.", ".") or None
