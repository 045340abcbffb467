#!/usr/bin/env python3
"""Puts a signed CloudTrail digest chain into a moto server, for the
verify-logs end-to-end tests (moto signs nothing, so the tests build the
chain with a throwaway key and upload it here, with the `signature` and
`signature-algorithm` object metadata CloudTrail sets on digests).

    verify_logs.py --endpoint URL setup  --bucket B --trail NAME [--prefix P]
                                         [--archive-account]
    verify_logs.py --endpoint URL upload --bucket B --dir DIR --signatures FILE
    verify_logs.py --endpoint URL delete --bucket B --key KEY
    verify_logs.py --endpoint URL put    --bucket B --key KEY --file FILE

--archive-account creates an organization with a member "log-archive"
account and the bucket in that account (the trail stays in the caller's);
then pass --account ID to upload/delete/put to act in it.

Prints one JSON object on stdout.
"""

import argparse
import datetime
import gzip
import json
import os
import sys

import boto3
from botocore.config import Config

REGION = "us-east-1"


ROLE = "OrganizationAccountAccessRole"


def client(endpoint, service, account=None):
    """A client with the caller's credentials, or, with `account`, with the
    credentials of that account's ROLE (moto maps them to the account)."""
    creds = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
    if account:
        out = client(endpoint, "sts").assume_role(
            RoleArn=f"arn:aws:iam::{account}:role/{ROLE}", RoleSessionName="seed"
        )["Credentials"]
        creds = {
            "aws_access_key_id": out["AccessKeyId"],
            "aws_secret_access_key": out["SecretAccessKey"],
            "aws_session_token": out["SessionToken"],
        }
    return boto3.client(
        service,
        region_name=REGION,
        endpoint_url=endpoint,
        config=Config(s3={"addressing_style": "path"}),
        **creds,
    )


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--endpoint", required=True)
    parser.add_argument("action", choices=["setup", "upload", "delete", "put"])
    parser.add_argument("--bucket", required=True)
    parser.add_argument("--trail")
    parser.add_argument("--prefix")
    parser.add_argument("--dir")
    parser.add_argument("--signatures")
    parser.add_argument("--key")
    parser.add_argument("--file")
    parser.add_argument("--archive-account", action="store_true")
    parser.add_argument("--account")
    args = parser.parse_args()
    s3 = client(args.endpoint, "s3", args.account)
    out = {}
    if args.action == "setup":
        if args.archive_account:
            org = client(args.endpoint, "organizations")
            org.create_organization(FeatureSet="ALL")
            archive = org.create_account(Email="log-archive@example.com", AccountName="log-archive")[
                "CreateAccountStatus"]["AccountId"]
            client(args.endpoint, "s3", archive).create_bucket(Bucket=args.bucket)
            out["archive_account"] = archive
        else:
            s3.create_bucket(Bucket=args.bucket)
        kwargs = {}
        if args.prefix:
            kwargs["S3KeyPrefix"] = args.prefix
        trail = client(args.endpoint, "cloudtrail").create_trail(
            Name=args.trail,
            S3BucketName=args.bucket,
            IsMultiRegionTrail=True,
            EnableLogFileValidation=True,
            **kwargs,
        )
        client(args.endpoint, "cloudtrail").start_logging(Name=args.trail)
        out.update({"trail_arn": trail["TrailARN"], "bucket": args.bucket})
    elif args.action == "upload":
        with open(args.signatures) as f:
            signatures = json.load(f)
        count = 0
        for root, _dirs, files in os.walk(args.dir):
            for name in files:
                path = os.path.join(root, name)
                key = os.path.relpath(path, args.dir).replace(os.sep, "/")
                if key.endswith(".sig"):
                    continue
                extra = {}
                if key in signatures:
                    extra["Metadata"] = {
                        "signature": signatures[key],
                        "signature-algorithm": "SHA256withRSA",
                    }
                    if key.endswith("_backfill.json.gz"):
                        # CloudTrail stamps a backfill digest with the time it
                        # generated it (the AWS CLI's validation.py requires
                        # `backfill-generation-timestamp`): some time after
                        # the digest's end.
                        with gzip.open(path) as digest:
                            end = json.load(digest)["digestEndTime"]
                        generated = datetime.datetime.fromisoformat(
                            end.replace("Z", "+00:00")
                        ) + datetime.timedelta(hours=2)
                        extra["Metadata"]["backfill-generation-timestamp"] = (
                            generated.strftime("%Y-%m-%dT%H:%M:%SZ")
                        )
                with open(path, "rb") as body:
                    s3.put_object(Bucket=args.bucket, Key=key, Body=body.read(), **extra)
                count += 1
        out = {"uploaded": count}
    elif args.action == "delete":
        s3.delete_object(Bucket=args.bucket, Key=args.key)
        out = {"deleted": args.key}
    elif args.action == "put":
        with open(args.file, "rb") as body:
            s3.put_object(Bucket=args.bucket, Key=args.key, Body=body.read())
        out = {"put": args.key}
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
