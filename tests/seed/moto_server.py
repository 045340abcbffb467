#!/usr/bin/env python3
"""moto's server, taught the AWS behaviour trailwarden relies on that moto
5.2.5 lacks. Each model below names the AWS documentation it follows.

    moto_server.py -H 127.0.0.1 -p PORT

1. The Smithy RPC v2 CBOR protocol for CloudWatch (below).
2. AWS Account Management's region opt-in API (`ListRegions`,
   `GetRegionOptStatus`, `EnableRegion`, `DisableRegion`; class
   `AccountRegions`), which moto does not implement.
3. CloudTrail as AWS answers (`teach_cloudtrail`): a new trail's default
   event selector, Put*Selectors replacing what was there, digest times,
   and organization trails seen from a member account.
4. S3 answers shaped as AWS serves them (`S3Middleware`): ListBuckets pages
   with `MaxBuckets`/`ContinuationToken` and names each `BucketRegion`;
   GetBucketVersioning's root element is `VersioningConfiguration`.
5. Who may call what across accounts (`teach_accounts`): AssumeRole needs
   the role to exist; Organizations' listing calls answer a delegated
   administrator and refuse other members; a CloudTrail delegated
   administrator reads an organization trail's selectors; DescribeKey of
   another account's key is refused unless its key policy allows it.
6. Digest deliveries (`DigestDeliveries`): a digest a test puts into a
   trail's bucket counts as delivered, and GetTrailStatus reports the
   newest as `LatestDigestDeliveryTime`, remembered after a delete.
7. A test-only control over GetTrailStatus per region (`TrailStatusOverrides`):
   AWS answers GetTrailStatus for one region at a time, and a multi-region
   trail's delivery can fail in one region alone; moto never reports a
   delivery error, so a test sets one for one (trail, region).

The Rust SDK (aws-sdk-cloudwatch >= 1.100) speaks only RPC v2 CBOR to
CloudWatch, as real AWS now does; moto 5.2.5 serves CloudWatch over query and
JSON only. This WSGI middleware turns each CBOR request
(`POST /service/<Service>/operation/<Operation>`) into the equivalent AWS
JSON 1.0 request (`X-Amz-Target: <Service>.<Operation>`), lets moto answer it,
and encodes the answer back as CBOR, with timestamps as CBOR tag 1 (epoch
seconds) where botocore's model of the service says the member is a
timestamp. Every other request goes to moto untouched.
"""

import argparse
import datetime
import io
import json
import os
import re
import struct
import sys
import urllib.parse

import botocore.session
from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from werkzeug.serving import make_server, run_simple

RPC_PATH = re.compile(r"^/service/([^/]+)/operation/([^/]+)$")
# CBOR services botocore knows, by their Smithy service name in the path.
SIGNING_NAMES = {"GraniteServiceVersion20100801": "cloudwatch"}


class Tagged:
    def __init__(self, tag, value):
        self.tag, self.value = tag, value


# --- a minimal CBOR codec (RFC 8949): what Smithy RPC v2 uses -------------

def _head(major, n):
    if n < 24:
        return bytes([major << 5 | n])
    for info, fmt in ((24, ">B"), (25, ">H"), (26, ">I"), (27, ">Q")):
        if n < 1 << (8 * struct.calcsize(fmt)):
            return bytes([major << 5 | info]) + struct.pack(fmt, n)
    raise ValueError("integer too large for CBOR")


def encode(value):
    if value is None:
        return b"\xf6"
    if value is True:
        return b"\xf5"
    if value is False:
        return b"\xf4"
    if isinstance(value, Tagged):
        return _head(6, value.tag) + encode(value.value)
    if isinstance(value, int):
        return _head(0, value) if value >= 0 else _head(1, -1 - value)
    if isinstance(value, float):
        return b"\xfb" + struct.pack(">d", value)
    if isinstance(value, str):
        data = value.encode("utf-8")
        return _head(3, len(data)) + data
    if isinstance(value, (bytes, bytearray)):
        return _head(2, len(value)) + bytes(value)
    if isinstance(value, (list, tuple)):
        return _head(4, len(value)) + b"".join(encode(v) for v in value)
    if isinstance(value, dict):
        return _head(5, len(value)) + b"".join(encode(k) + encode(v) for k, v in value.items())
    raise TypeError(f"cannot encode {type(value).__name__} as CBOR")


def decode(data):
    stream = io.BytesIO(data)
    value = _decode(stream)
    return value


def _read(stream, n):
    data = stream.read(n)
    if len(data) != n:
        raise ValueError("truncated CBOR")
    return data


def _decode(stream):
    first = _read(stream, 1)[0]
    major, info = first >> 5, first & 31
    if major == 7:
        if info == 20:
            return False
        if info == 21:
            return True
        if info in (22, 23):
            return None
        if info == 25:
            return _half(struct.unpack(">H", _read(stream, 2))[0])
        if info == 26:
            return struct.unpack(">f", _read(stream, 4))[0]
        if info == 27:
            return struct.unpack(">d", _read(stream, 8))[0]
        if info == 31:
            return StopIteration
        raise ValueError(f"unsupported simple value {info}")
    if info == 31 and major in (2, 3, 4, 5):
        return _indefinite(stream, major)
    if info < 24:
        n = info
    else:
        size = {24: 1, 25: 2, 26: 4, 27: 8}.get(info)
        if size is None:
            raise ValueError(f"bad CBOR length {info}")
        n = int.from_bytes(_read(stream, size), "big")
    if major == 0:
        return n
    if major == 1:
        return -1 - n
    if major == 2:
        return _read(stream, n)
    if major == 3:
        return _read(stream, n).decode("utf-8")
    if major == 4:
        return [_decode(stream) for _ in range(n)]
    if major == 5:
        out = {}
        for _ in range(n):
            key = _decode(stream)
            out[key] = _decode(stream)
        return out
    # major 6: a tag; timestamps (tag 1) become epoch seconds.
    return _decode(stream)


def _indefinite(stream, major):
    items = []
    while True:
        item = _decode(stream)
        if item is StopIteration:
            break
        items.append(item)
    if major == 2:
        return b"".join(items)
    if major == 3:
        return "".join(items)
    if major == 4:
        return items
    return dict(zip(items[0::2], items[1::2]))


def _half(bits):
    sign = -1.0 if bits & 0x8000 else 1.0
    exp, frac = (bits >> 10) & 0x1F, bits & 0x3FF
    if exp == 0:
        return sign * frac * 2.0 ** -24
    if exp == 31:
        return sign * float("inf") if frac == 0 else float("nan")
    return sign * (1 + frac / 1024.0) * 2.0 ** (exp - 15)


# --- JSON answer → CBOR answer, typed by botocore's model ------------------

def _epoch(value):
    if isinstance(value, (int, float)):
        return float(value)
    text = str(value).replace("Z", "+00:00")
    return datetime.datetime.fromisoformat(text).timestamp()


def typed(value, shape):
    if shape is None or value is None:
        return value
    kind = shape.type_name
    if kind == "timestamp":
        return Tagged(1, _epoch(value))
    if kind == "structure" and isinstance(value, dict):
        return {k: typed(v, shape.members.get(k)) for k, v in value.items()}
    if kind == "list" and isinstance(value, list):
        return [typed(v, shape.member) for v in value]
    if kind == "map" and isinstance(value, dict):
        return {k: typed(v, shape.value) for k, v in value.items()}
    if kind in ("double", "float") and isinstance(value, int):
        return float(value)
    return value


_MODELS = {}


def output_shape(service, operation):
    name = SIGNING_NAMES.get(service)
    if name is None:
        return None
    if name not in _MODELS:
        _MODELS[name] = botocore.session.get_session().get_service_model(name)
    try:
        return _MODELS[name].operation_model(operation).output_shape
    except Exception:  # an operation botocore does not know: untyped
        return None


# --- CloudTrail selectors ----------------------------------------------------
#
# CloudTrail API reference, EventSelector: "By default, trails created
# without specific event selectors will be configured to log all read and
# write management events, and no data events", and GetEventSelectors then
# returns that selector (the AWS CLI's get-event-selectors example shows
# {"IncludeManagementEvents": true, "DataResources": [], "ReadWriteType":
# "All"}); moto 5.2.5 returns no selector at all. PutEventSelectors takes
# either EventSelectors or AdvancedEventSelectors and replaces the trail's
# selectors with them ("You cannot apply both event selectors and advanced
# event selectors to a trail"); moto keeps stale advanced selectors beside
# new classic ones. PutInsightSelectors replaces the trail's Insights
# selectors (an empty list turns Insights off; API reference,
# PutInsightSelectors); moto appends to them. With log file validation on,
# CloudTrail delivers a digest file hourly in each region of the trail, even
# when no event was logged (user guide, "CloudTrail digest file structure"),
# and GetTrailStatus reports LatestDigestDeliveryTime; moto never does. Here a
# logging trail with validation reports its latest digest at its latest
# delivery (moto reports that as "now").

AWS_DEFAULT_EVENT_SELECTOR = {
    "ReadWriteType": "All",
    "IncludeManagementEvents": True,
    "DataResources": [],
    "ExcludeManagementEventSources": [],
}


def teach_cloudtrail():
    import copy

    from moto.cloudtrail import models

    trail = models.Trail
    created = trail.__init__

    def __init__(self, *args, **kwargs):
        created(self, *args, **kwargs)
        self.event_selectors = [copy.deepcopy(AWS_DEFAULT_EVENT_SELECTOR)]
        self.advanced_event_selectors = []

    def put_event_selectors(self, event_selectors, advanced_event_selectors):
        if advanced_event_selectors:
            self.event_selectors, self.advanced_event_selectors = [], advanced_event_selectors
        else:
            self.event_selectors, self.advanced_event_selectors = event_selectors or [], []

    def put_insight_selectors(self, insight_selectors):
        self.insight_selectors = list(insight_selectors or [])

    status_class = models.TrailStatus
    described = status_class.description

    def description(self):
        desc = described(self)
        owner = getattr(self, "trail", None)
        if self.is_logging and owner is not None and owner.log_validation:
            desc["LatestDigestDeliveryTime"] = desc.get("LatestDeliveryTime")
        return desc

    def init_with_status_owner(self, *args, **kwargs):
        __init__(self, *args, **kwargs)
        self.status.trail = self

    trail.__init__ = init_with_status_owner
    trail.put_event_selectors = put_event_selectors
    trail.put_insight_selectors = put_insight_selectors
    status_class.description = description
    teach_member_view_of_organization_trails(models)


# CloudTrail user guide, "Creating a trail for an organization": member
# accounts see the organization trail (ListTrails, DescribeTrails, and
# GetTrailStatus by its ARN) but cannot change it, and its event and
# Insights selectors are the management account's to read: a member's
# GetEventSelectors / GetInsightSelectors on it fails (moto already answers
# TrailNotFoundException there, one of the codes AWS uses). moto shows a
# member none of it: DescribeTrails (and so ListTrails and GetTrailStatus)
# here add the organization trails of the organization the caller belongs
# to, as a shadow trail is added in the regions of a multi-region trail.

def teach_member_view_of_organization_trails(models):
    backend_class = models.CloudTrailBackend
    described = backend_class.describe_trails

    def members_of(owner):
        from moto.organizations.models import organizations_backends

        try:
            organizations = organizations_backends[owner]["aws"]
        except KeyError:
            return set()
        if organizations.org is None or organizations.org.master_account_id != owner:
            return set()
        return {account.id for account in organizations.accounts}

    def describe_trails(self, include_shadow_trails):
        trails = list(described(self, include_shadow_trails))
        if not include_shadow_trails:
            return trails
        seen = {t.arn for t in trails}
        for owner, regions in list(models.cloudtrail_backends.items()):
            if owner == self.account_id:
                continue
            members = None
            for backend in list(regions.values()):
                for t in list(backend.trails.values()):
                    if not t.is_org_trail or t.arn in seen:
                        continue
                    if not (t.is_multi_region or t.region_name == self.region_name):
                        continue
                    if members is None:
                        members = members_of(owner)
                    if self.account_id in members:
                        trails.append(t)
                        seen.add(t.arn)
        return trails

    backend_class.describe_trails = describe_trails


# --- Who may call what across accounts ------------------------------------

CLOUDTRAIL_PRINCIPAL = "cloudtrail.amazonaws.com"


def _management_backend(account_id):
    """The Organizations backend of the management account of the
    organization `account_id` is a member of, or None."""
    from moto.organizations.models import organizations_backends

    entry = organizations_backends.master_accounts.get(account_id)
    if entry is None:
        return None
    management_id, partition = entry
    backend = organizations_backends[management_id][partition]
    return backend if backend.org is not None else None


def _delegated_services(account_id):
    """The service principals `account_id` is a delegated administrator for."""
    management = _management_backend(account_id)
    if management is None or management.account_id == account_id:
        return set()
    return {service for admin in management.admins if admin.account.id == account_id
            for service in admin.services}


def _arn_parts(arn):
    """(region, account) of an ARN, or (None, None)."""
    parts = arn.split(":") if isinstance(arn, str) and arn.startswith("arn:") else []
    return (parts[3], parts[4]) if len(parts) > 5 else (None, None)


def teach_accounts():
    teach_assume_role()
    teach_organizations()
    teach_cloudtrail_delegated_administrator()
    teach_kms_cross_account()


# STS API reference, AssumeRole: the role is an IAM role of the target
# account; when it does not exist (or its trust policy does not let the
# caller in) AWS answers `AccessDenied` ("User: ... is not authorized to
# perform: sts:AssumeRole on resource: ..."). moto hands out credentials for
# any ARN. An organization's management account has no
# OrganizationAccountAccessRole (AWS Organizations user guide, "Accessing
# member accounts": Organizations creates it in the member accounts it
# creates), so an `--org` audit run from a delegated administrator cannot
# assume it there unless the role was made.
# Every AssumeRole answered, with its inline session `Policy` (None when
# none was sent): a test reads them back with GET
# /moto-api/trailwarden/assume-role-calls (test-only, like moto's own
# /moto-api/). moto does not apply session policies to the session.
ASSUME_ROLE_CALLS = []


def teach_assume_role():
    from moto.iam.models import iam_backends
    from moto.sts.exceptions import STSClientError
    from moto.sts.models import STSBackend

    assumed = STSBackend.assume_role
    pattern = re.compile(r"^arn:(aws[\w-]*):iam::(\d{12}):role/(?:.*/)?([^/]+)$")

    def assume_role(self, *args, **kwargs):
        role_arn = kwargs.get("role_arn", "")
        ASSUME_ROLE_CALLS.append({"RoleArn": role_arn, "Policy": kwargs.get("policy")})
        match = pattern.match(role_arn)
        if match:
            partition, account, name = match.groups()
            roles = iam_backends[account][partition].roles.values()
            if not any(role.name == name for role in roles):
                raise STSClientError(
                    "AccessDenied",
                    f"User: arn:{partition}:iam::{self.account_id}:root is not authorized to "
                    f"perform: sts:AssumeRole on resource: {role_arn}",
                )
        return assumed(self, *args, **kwargs)

    STSBackend.assume_role = assume_role


# AWS Organizations API reference, ListAccounts, ListDelegatedAdministrators
# and DescribeOrganization: "can be called only from the organization's
# management account or by a member account that is a delegated
# administrator"; any other member gets AccessDeniedException. moto answers
# a member as if it had no organization (no accounts). The AWS
# Organizations user guide ("AWS services that you can use with AWS
# Organizations") lists CloudTrail among the services that support a
# delegated administrator; moto rejects its service principal.
def teach_organizations():
    from moto.organizations import models
    from moto.organizations.exceptions import OrganizationsClientError

    supported = models.FakeDelegatedAdministrator.SUPPORTED_SERVICES
    if CLOUDTRAIL_PRINCIPAL not in supported:
        supported.append(CLOUDTRAIL_PRINCIPAL)
    backend_class = models.OrganizationsBackend

    def from_management(name):
        original = getattr(backend_class, name)

        def method(self, *args, **kwargs):
            management = None if self.org is not None else _management_backend(self.account_id)
            if management is None:
                return original(self, *args, **kwargs)
            if not _delegated_services(self.account_id):
                raise OrganizationsClientError(
                    "AccessDeniedException",
                    "You don't have permissions to access this resource.",
                )
            return original(management, *args, **kwargs)

        setattr(backend_class, name, method)

    for name in ("list_accounts", "list_delegated_administrators"):
        from_management(name)


# CloudTrail user guide, "Organization delegated administrator": a
# CloudTrail delegated administrator "can perform the same administrative
# tasks ... in CloudTrail as the management account" and "has
# administrative permissions on all organization trails", so it reads an
# organization trail's event and Insights selectors (by ARN) where any
# other member is refused.
def teach_cloudtrail_delegated_administrator():
    from moto.cloudtrail import models
    from moto.cloudtrail.exceptions import TrailNotFoundException

    backend_class = models.CloudTrailBackend

    def through_delegation(name):
        original = getattr(backend_class, name)

        def method(self, trail_name):
            try:
                return original(self, trail_name)
            except TrailNotFoundException:
                region, owner = _arn_parts(trail_name)
                management = _management_backend(self.account_id)
                if (owner is None or management is None or management.account_id != owner
                        or CLOUDTRAIL_PRINCIPAL not in _delegated_services(self.account_id)):
                    raise
                owner_backend = models.cloudtrail_backends[owner][region]
                if not owner_backend.get_trail(trail_name).is_org_trail:
                    raise
                return original(owner_backend, trail_name)

        setattr(backend_class, name, method)

    for name in ("get_event_selectors", "get_insight_selectors"):
        through_delegation(name)


# AWS KMS developer guide, "Allowing users in other accounts to use a KMS
# key": another account's key is named by its ARN, and DescribeKey
# succeeds only when the key policy (with IAM in the caller's account)
# allows it; otherwise AWS answers AccessDeniedException, not
# NotFoundException. moto looks the key up in the caller's own account only.
def teach_kms_cross_account():
    from moto.kms import models
    from moto.kms.exceptions import AccessDeniedException
    from moto.kms.responses import KmsResponse

    def grants(policy, account, action):
        try:
            statements = json.loads(policy or "{}").get("Statement", [])
        except ValueError:
            return False
        for statement in statements if isinstance(statements, list) else [statements]:
            if statement.get("Effect") != "Allow":
                continue
            principal = statement.get("Principal")
            aws = principal.get("AWS") if isinstance(principal, dict) else principal
            aws = aws if isinstance(aws, list) else [aws]
            if not any(p == "*" or p == account or (isinstance(p, str) and f":{account}:" in p)
                       for p in aws):
                continue
            actions = statement.get("Action")
            actions = actions if isinstance(actions, list) else [actions]
            if any(a in ("*", "kms:*", action) for a in actions):
                return True
        return False

    def cross_account(name, action):
        original = getattr(KmsResponse, name)

        def method(self):
            key_id = self._get_param("KeyId") or ""
            region, owner = _arn_parts(key_id)
            caller = self.current_account
            if owner is None or owner == caller:
                return original(self)
            owner_backend = models.kms_backends[owner][region]
            key = owner_backend.keys.get(owner_backend.get_key_id(key_id))
            if key is None:
                return original(self)
            if not grants(key.policy, caller, action):
                raise AccessDeniedException(
                    f"User: arn:aws:iam::{caller}:root is not authorized to perform: "
                    f"{action} on resource: {key_id} because no resource-based policy allows "
                    f"the {action} action"
                )
            # Answered from the key's own account, as AWS does.
            self.current_account = owner
            return original(self)

        setattr(KmsResponse, name, method)

    cross_account("describe_key", "kms:DescribeKey")
    cross_account("get_key_rotation_status", "kms:GetKeyRotationStatus")


# --- AWS Account Management: region opt-in ---------------------------------
#
# Modelled on the AWS Account Management API Reference: ListRegions,
# GetRegionOptStatus, EnableRegion, DisableRegion (REST-JSON, POST
# /listRegions etc., signing name `account`). ListRegions takes MaxResults
# (1-50), NextToken and RegionOptStatusContains, and answers
# {"Regions": [{"RegionName", "RegionOptStatus"}], "NextToken"}; the statuses
# are ENABLED, ENABLING, DISABLING, DISABLED and ENABLED_BY_DEFAULT. Errors
# are REST-JSON: the code in `x-amzn-ErrorType`, {"message"} in the body
# (ValidationException, HTTP 400).
#
# The regions and which are opt-in come from moto's EC2 model (its
# DescribeRegions `opt-in-not-required` / `not-opted-in`), for the `aws`
# partition only, as ListRegions lists the caller's partition. Enabling or
# disabling takes time on AWS (the status is ENABLING / DISABLING until it
# is done); here it takes TRAILWARDEN_MOTO_REGION_OPT_SECONDS seconds
# (default 0: done at once). Two test-only controls, outside the AWS API
# like moto's own /moto-api/: POST /moto-api/trailwarden/region-opt-status
# {"AccountId", "RegionName", "RegionOptStatus"} sets a status directly (a
# region held ENABLING), and TRAILWARDEN_MOTO_LIST_REGIONS_PAGE caps the
# regions per page below MaxResults (AWS may return fewer than asked; the
# client must follow NextToken).

ACCOUNT_PATHS = {"/listRegions", "/getRegionOptStatus", "/enableRegion", "/disableRegion"}
REGION_STATUSES = ("ENABLED", "ENABLING", "DISABLING", "DISABLED", "ENABLED_BY_DEFAULT")


def _signing_service(environ):
    """The service in a SigV4 Authorization header's credential scope."""
    auth = environ.get("HTTP_AUTHORIZATION", "")
    match = re.search(r"Credential=([^/]+)/[^/]+/[^/]+/([^/]+)/aws4_request", auth)
    return (match.group(1), match.group(2)) if match else (None, None)


class AccountRegions:
    def __init__(self):
        import threading
        import time

        from moto.ec2.models.availability_zones_and_regions import RegionsAndZonesBackend

        self._time = time.monotonic
        self._lock = threading.Lock()
        aws_partition = set(botocore.session.get_session().get_available_regions("ec2"))
        self._defaults = {
            r.name: ("ENABLED_BY_DEFAULT" if r.opt_in_status == "opt-in-not-required" else "DISABLED")
            for r in RegionsAndZonesBackend.regions
            if r.name in aws_partition
        }
        # account id -> region -> (status, when a transition completes, final status)
        self._accounts = {}
        self._delay = float(os.environ.get("TRAILWARDEN_MOTO_REGION_OPT_SECONDS", "0"))
        self._page_cap = int(os.environ.get("TRAILWARDEN_MOTO_LIST_REGIONS_PAGE", "50"))

    def force(self, params):
        """The test-only control: set one account's region status."""
        region, status = params.get("RegionName"), params.get("RegionOptStatus")
        if region not in self._defaults or status not in REGION_STATUSES:
            return 400, "ValidationException", {"message": "unknown region or status"}
        with self._lock:
            self._accounts.setdefault(params.get("AccountId") or "123456789012", {})[region] = (
                status, 0.0, status)
        return 200, None, {}

    def _status(self, account, region):
        changed = self._accounts.get(account, {}).get(region)
        if changed is None:
            return self._defaults[region]
        status, done_at, final = changed
        return final if self._time() >= done_at else status

    def handle(self, path, account, params):
        """Returns (HTTP status, error code or None, JSON document)."""
        target = params.get("AccountId") or account
        with self._lock:
            if path == "/listRegions":
                return self._list(target, params)
            region = params.get("RegionName")
            if region not in self._defaults:
                return 400, "ValidationException", {"message": f"Invalid region: {region!r}"}
            current = self._status(target, region)
            if path == "/getRegionOptStatus":
                return 200, None, {"RegionName": region, "RegionOptStatus": current}
            if current == "ENABLED_BY_DEFAULT":
                return 400, "ValidationException", {
                    "message": f"{region} is enabled by default and cannot be enabled or disabled"}
            if current in ("ENABLING", "DISABLING"):
                return 409, "ConflictException", {"message": f"{region} is already {current}"}
            if path == "/enableRegion":
                transition = ("ENABLING", "ENABLED")
            else:
                transition = ("DISABLING", "DISABLED")
            self._accounts.setdefault(target, {})[region] = (
                transition[0], self._time() + self._delay, transition[1])
            return 200, None, {}

    def _list(self, account, params):
        size = params.get("MaxResults", 20)
        if not isinstance(size, int) or not 1 <= size <= 50:
            return 400, "ValidationException", {"message": "MaxResults must be between 1 and 50"}
        wanted = params.get("RegionOptStatusContains") or list(REGION_STATUSES)
        if any(w not in REGION_STATUSES for w in wanted):
            return 400, "ValidationException", {"message": f"Invalid RegionOptStatusContains: {wanted}"}
        listed = [{"RegionName": name, "RegionOptStatus": self._status(account, name)}
                  for name in sorted(self._defaults)]
        listed = [r for r in listed if r["RegionOptStatus"] in wanted]
        token = params.get("NextToken")
        try:
            start = int(token) if token else 0
        except ValueError:
            return 400, "ValidationException", {"message": "Invalid NextToken"}
        size = min(size, self._page_cap)
        page = {"Regions": listed[start:start + size]}
        if start + size < len(listed):
            page["NextToken"] = str(start + size)
        return 200, None, page


# --- S3: ListBuckets and GetBucketVersioning as AWS answers them ------------
#
# S3 API reference, ListBuckets: with `max-buckets`, at most that many
# buckets per page and a `ContinuationToken` to ask for the next one (moto
# 5.2.5 truncates the list and gives no token, so a paginating client would
# silently miss buckets); each bucket has its `BucketRegion` (moto gives
# none). GetBucketVersioning answers `<VersioningConfiguration>` (moto's
# root is `<GetBucketVersioningResponse>`, which the Rust SDK rejects).

S3_NS = "http://s3.amazonaws.com/doc/2006-03-01/"


class S3Middleware:
    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        access_key, service = _signing_service(environ)
        if service != "s3" or environ.get("REQUEST_METHOD") != "GET":
            return self.app(environ, start_response)
        path = environ.get("PATH_INFO", "")
        query = urllib.parse.parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True)
        if path in ("", "/"):
            return self._list_buckets(environ, start_response, access_key, query)
        if re.fullmatch(r"/[^/]+/?", path) and "versioning" in query:
            status, headers, body = _inner(self.app, environ)
            if status.startswith("2"):
                body = body.replace(b"<GetBucketVersioningResponse", b"<VersioningConfiguration", 1)
                body = body.replace(b"</GetBucketVersioningResponse>", b"</VersioningConfiguration>", 1)
            return _respond(start_response, status, headers, body)
        return self.app(environ, start_response)

    def _list_buckets(self, environ, start_response, access_key, query):
        import xml.etree.ElementTree as ET

        from moto.iam.models import get_account_id_from
        from moto.s3.models import s3_backends

        inner = dict(environ)
        inner["QUERY_STRING"] = ""
        status, headers, body = _inner(self.app, inner)
        if not status.startswith("2"):
            return _respond(start_response, status, headers, body)
        ET.register_namespace("", S3_NS)
        root = ET.fromstring(body)
        container = root.find(f"{{{S3_NS}}}Buckets")
        buckets = list(container) if container is not None else []
        backend = s3_backends[get_account_id_from(access_key or "")]["aws"]
        for bucket in buckets:
            name = bucket.findtext(f"{{{S3_NS}}}Name")
            found = backend.buckets.get(name)
            region = ET.SubElement(bucket, f"{{{S3_NS}}}BucketRegion")
            region.text = found.region_name if found is not None else "us-east-1"
        if "max-buckets" in query:
            size = int(query["max-buckets"][0])
            start = int(query.get("continuation-token", ["0"])[0] or 0)
            for bucket in buckets:
                container.remove(bucket)
            for bucket in buckets[start:start + size]:
                container.append(bucket)
            if start + size < len(buckets):
                token = ET.SubElement(root, f"{{{S3_NS}}}ContinuationToken")
                token.text = str(start + size)
        body = ET.tostring(root, xml_declaration=True, encoding="utf-8")
        return _respond(start_response, status, headers, body)


def _inner(app, environ):
    """Calls the wrapped app: (status, headers, body)."""
    captured = {}

    def capture(status, headers, exc_info=None):
        captured["status"], captured["headers"] = status, headers
        return lambda _data: None

    chunks = app(environ, capture)
    try:
        body = b"".join(chunks)
    finally:
        if hasattr(chunks, "close"):
            chunks.close()
    return captured.get("status", "500 INTERNAL SERVER ERROR"), captured.get("headers", []), body


def _respond(start_response, status, headers, body):
    headers = [(k, v) for k, v in headers if k.lower() != "content-length"]
    headers.append(("Content-Length", str(len(body))))
    start_response(status, headers)
    return [body]


# --- GetTrailStatus per region (test-only control) ----------------------------
#
# CloudTrail API reference, GetTrailStatus: "This operation returns trail
# status from a single Region. To return trail status from all Regions, you
# must call the operation on each Region." moto answers with the same status
# object in every region and never reports LatestDeliveryError and friends.
# POST /moto-api/trailwarden/trail-status {"TrailARN", "Region", "Status":
# {"LatestDeliveryError": ..., ...}} makes GetTrailStatus for that ARN, asked
# in that region, answer with those fields over moto's.

# --- Digest deliveries ------------------------------------------------------
#
# CloudTrail API reference, GetTrailStatus: `LatestDigestDeliveryTime` is
# when CloudTrail last delivered a digest file to the trail's bucket (in the
# region asked). moto delivers nothing, so this model takes the digests a
# test puts into a bucket (the key layout of the CloudTrail user guide,
# "CloudTrail digest file structure": AWSLogs/[o-id/]ACCOUNT/CloudTrail-
# Digest/REGION/YYYY/MM/DD/..._YYYYMMDDTHHMMSSZ.json.gz, the time being the
# digest's end) as delivered five minutes after their end, and answers
# GetTrailStatus with the newest per (bucket, trail owner, region). Like
# AWS, it remembers a delivery after the object is deleted: deleting the
# newest digests does not move LatestDigestDeliveryTime back.

DIGEST_KEY = re.compile(
    r"(?:^|/)AWSLogs/(?:o-[a-z0-9]+/)?(\d{12})/CloudTrail-Digest/([a-z0-9-]+)/"
    r"\d{4}/\d{2}/\d{2}/[^/]*_(\d{8}T\d{6}Z)\.json\.gz$")
DELIVERY_LAG_SECONDS = 300


class DigestDeliveries:
    def __init__(self, app):
        self.app = app
        self.delivered = {}

    def __call__(self, environ, start_response):
        method = environ.get("REQUEST_METHOD")
        _, service = _signing_service(environ)
        path = urllib.parse.unquote(environ.get("PATH_INFO", ""))
        if service == "s3" and method == "PUT":
            match = DIGEST_KEY.search(path)
            bucket = path.lstrip("/").split("/", 1)[0]
            if match and bucket:
                status, headers, body = _inner(self.app, environ)
                if status.startswith("2"):
                    account, region, stamp = match.groups()
                    end = datetime.datetime.strptime(stamp, "%Y%m%dT%H%M%SZ").replace(
                        tzinfo=datetime.timezone.utc)
                    at = end.timestamp() + DELIVERY_LAG_SECONDS
                    key = (bucket, account, region)
                    self.delivered[key] = max(at, self.delivered.get(key, at))
                return _respond(start_response, status, headers, body)
        if not environ.get("HTTP_X_AMZ_TARGET", "").endswith(".GetTrailStatus") or not self.delivered:
            return self.app(environ, start_response)
        length = int(environ.get("CONTENT_LENGTH") or 0)
        raw = environ["wsgi.input"].read(length) if length else b""
        environ["wsgi.input"] = io.BytesIO(raw)
        try:
            name = json.loads(raw or b"{}").get("Name") or ""
        except ValueError:
            name = ""
        home, owner = _arn_parts(name)
        match = re.search(r"Credential=[^/]+/[^/]+/([^/]+)/", environ.get("HTTP_AUTHORIZATION", ""))
        if owner is None or not match:
            return self.app(environ, start_response)
        from moto.cloudtrail.models import cloudtrail_backends

        trail = next((t for t in cloudtrail_backends[owner][home].trails.values() if t.arn == name),
                     None)
        at = trail and trail.log_validation and self.delivered.get(
            (trail.bucket_name, owner, match.group(1)))
        if not at:
            return self.app(environ, start_response)
        status, headers, answer = _inner(self.app, environ)
        if status.startswith("2"):
            document = json.loads(answer or b"{}")
            document["LatestDigestDeliveryTime"] = at
            answer = json.dumps(document).encode("utf-8")
        return _respond(start_response, status, headers, answer)


class TrailStatusOverrides:
    TARGET_SUFFIX = ".GetTrailStatus"

    def __init__(self, app):
        self.app = app
        self.overrides = {}

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if path == "/moto-api/trailwarden/trail-status":
            params = AccountMiddleware._params(environ) or {}
            self.overrides[(params.get("TrailARN"), params.get("Region"))] = params.get("Status") or {}
            return AccountMiddleware._answer(start_response, 200, None, {})
        target = environ.get("HTTP_X_AMZ_TARGET", "")
        if not target.endswith(self.TARGET_SUFFIX) or not self.overrides:
            return self.app(environ, start_response)
        length = int(environ.get("CONTENT_LENGTH") or 0)
        raw = environ["wsgi.input"].read(length) if length else b""
        environ["wsgi.input"] = io.BytesIO(raw)
        try:
            name = json.loads(raw or b"{}").get("Name")
        except ValueError:
            name = None
        match = re.search(r"Credential=[^/]+/[^/]+/([^/]+)/", environ.get("HTTP_AUTHORIZATION", ""))
        override = self.overrides.get((name, match.group(1) if match else None))
        if override is None:
            return self.app(environ, start_response)
        status, headers, answer = _inner(self.app, environ)
        if status.startswith("2"):
            document = json.loads(answer or b"{}")
            document.update(override)
            answer = json.dumps(document).encode("utf-8")
        return _respond(start_response, status, headers, answer)


class AccountMiddleware:
    def __init__(self, app):
        self.app = app
        self.regions = AccountRegions()

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if path == "/moto-api/trailwarden/region-opt-status":
            return self._answer(start_response, *self.regions.force(self._params(environ) or {}))
        if path == "/moto-api/trailwarden/assume-role-calls":
            return self._answer(start_response, 200, None, {"Calls": ASSUME_ROLE_CALLS})
        access_key, service = _signing_service(environ)
        if path not in ACCOUNT_PATHS or service != "account" or environ.get("REQUEST_METHOD") != "POST":
            return self.app(environ, start_response)
        from moto.iam.models import get_account_id_from

        params = self._params(environ)
        if params is None:
            status, code, document = 400, "SerializationException", {"message": "malformed JSON"}
        else:
            status, code, document = self.regions.handle(path, get_account_id_from(access_key), params)
        return self._answer(start_response, status, code, document)

    @staticmethod
    def _params(environ):
        length = int(environ.get("CONTENT_LENGTH") or 0)
        raw = environ["wsgi.input"].read(length) if length else b""
        try:
            params = json.loads(raw) if raw.strip() else {}
        except ValueError:
            return None
        return params if isinstance(params, dict) else None

    @staticmethod
    def _answer(start_response, status, code, document):
        out = json.dumps(document).encode("utf-8")
        headers = [("Content-Type", "application/json"), ("Content-Length", str(len(out)))]
        if code:
            headers.append(("x-amzn-ErrorType", code))
        reasons = {200: "OK", 400: "Bad Request", 409: "Conflict"}
        start_response(f"{status} {reasons.get(status, 'Error')}", headers)
        return [out]


class CborMiddleware:
    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        match = RPC_PATH.match(environ.get("PATH_INFO", ""))
        if not match or "cbor" not in environ.get("CONTENT_TYPE", ""):
            return self.app(environ, start_response)
        service, operation = match.groups()
        length = int(environ.get("CONTENT_LENGTH") or 0)
        raw = environ["wsgi.input"].read(length) if length else b""
        params = decode(raw) if raw else {}
        body = json.dumps(params if isinstance(params, dict) else {}).encode("utf-8")
        inner = dict(environ)
        inner.update({
            "PATH_INFO": "/",
            "CONTENT_TYPE": "application/x-amz-json-1.0",
            "CONTENT_LENGTH": str(len(body)),
            "HTTP_X_AMZ_TARGET": f"{service}.{operation}",
            "wsgi.input": io.BytesIO(body),
        })
        inner.pop("HTTP_SMITHY_PROTOCOL", None)
        status, headers, answer = _inner(self.app, inner)
        try:
            document = json.loads(answer) if answer.strip() else {}
        except ValueError:
            document = {"__type": "InternalFailure", "message": answer.decode("utf-8", "replace")}
        if status.startswith("2"):
            document = typed(document, output_shape(service, operation))
        out = encode(document)
        headers = [(k, v) for k, v in headers
                   if k.lower() not in ("content-type", "content-length")]
        headers += [("Content-Type", "application/cbor"), ("smithy-protocol", "rpc-v2-cbor"),
                    ("Content-Length", str(len(out)))]
        start_response(status, headers)
        return [out]


def main(argv=None):
    parser = argparse.ArgumentParser()
    parser.add_argument("-H", "--host", default="127.0.0.1")
    parser.add_argument("-p", "--port", type=int, default=5000)
    parser.add_argument("--print-port", action="store_true",
                        help="print the port listened on (useful with -p 0) as the first line of stdout")
    args = parser.parse_args(argv)
    teach_cloudtrail()
    teach_accounts()
    app = TrailStatusOverrides(DigestDeliveries(S3Middleware(
        AccountMiddleware(CborMiddleware(DomainDispatcherApplication(create_backend_app))))))
    if not args.print_port:
        os.environ.setdefault("MOTO_PORT", str(args.port))
        run_simple(args.host, args.port, app, threaded=True, request_handler=MotoRequestHandler)
        return
    # Bound before the port is told, so no other process can take it in
    # between (a port picked free and then bound later can be).
    server = make_server(args.host, args.port, app, threaded=True, request_handler=MotoRequestHandler)
    os.environ["MOTO_PORT"] = str(server.port)
    print(server.port, flush=True)
    sys.stdout.close()
    server.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
