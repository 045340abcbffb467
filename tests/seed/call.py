#!/usr/bin/env python3
"""Makes one AWS API call against a moto server (boto3), for end-to-end tests
that change one setting after a seed scenario.

    call.py --endpoint http://127.0.0.1:PORT SERVICE OPERATION '{"Param": ...}'
            [--region us-east-1]

OPERATION is boto3's snake_case name (put_insight_selectors). Prints the
response as JSON (dates as ISO 8601 text).
"""

import argparse
import json

import boto3
from botocore.config import Config


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--endpoint", required=True)
    parser.add_argument("--region", default="us-east-1")
    parser.add_argument("service")
    parser.add_argument("operation")
    parser.add_argument("params", nargs="?", default="{}")
    args = parser.parse_args()
    client = boto3.client(args.service, region_name=args.region, endpoint_url=args.endpoint,
                          aws_access_key_id="testing", aws_secret_access_key="testing",
                          config=Config(s3={"addressing_style": "path"}))
    response = getattr(client, args.operation)(**json.loads(args.params))
    response.pop("ResponseMetadata", None)
    print(json.dumps(response, default=str))


if __name__ == "__main__":
    main()
