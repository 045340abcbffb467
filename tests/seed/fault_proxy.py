#!/usr/bin/env python3
"""A loopback HTTP proxy in front of moto that injects throttling.

    fault_proxy.py --upstream http://127.0.0.1:PORT [--every N] [--operation OP]
                   [--delay-operation OP --delay SECONDS] [--log PATH]
                   [--fail-every N] [--log-keys PATH]

--every N      answer every Nth request (1-based count) with a throttling error;
               retries are new requests, so a retried call gets through: a
               request (method, path, body, access key) is answered with an
               injected error (this one or --fail-every's) at most once, so
               its retry always reaches moto, whatever the other requests in
               flight do to the count.
--operation OP answer every request for API operation OP (e.g. GetTrailStatus)
               with a throttling error, forever.
--delay-operation OP, --delay S
               hold every request for OP for S seconds before forwarding it
               (a hung service, for the run's --timeout). S3 calls are named
               only for ListObjectsV2 and GetObject.
--fail-every N answer every Nth request (counted as for --every, offset by
               N/2 so the two never coincide) with HTTP 500 InternalError.
--log PATH     append the operation name of every request to PATH, one per
               line (to count the calls that reach the wire).
--log-keys PATH
               append "PATH-OF-REQUEST ACCESS-KEY-ID" for every request (which
               credentials read what).

The error has the shape of the request's protocol: JSON (X-Amz-Target),
query (Action=… in the form body: STS, SNS; EC2's own envelope), RPC v2 CBOR (CloudWatch),
REST-JSON (Account Management: 429 TooManyRequestsException)
or REST-XML (S3: 503 SlowDown). Prints the listening port on the first line of stdout.
"""

import argparse
import http.client
import itertools
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade",
              "proxy-authorization", "proxy-authenticate"}


def operation_of(headers, body, path="", method="POST"):
    # Smithy RPC v2 CBOR (CloudWatch): POST /service/<Service>/operation/<Op>.
    if "/operation/" in path and "cbor" in (headers.get("Content-Type") or ""):
        return path.rsplit("/", 1)[-1], "cbor"
    target = headers.get("X-Amz-Target")
    if target:
        return target.rsplit(".", 1)[-1], "json"
    if body and b"Action=" in body:
        form = urllib.parse.parse_qs(body.decode("utf-8", "replace"))
        # EC2's query protocol has its own error envelope and throttling code.
        protocol = "ec2" if form.get("Version", [""])[0] == "2016-11-15" else "query"
        return form.get("Action", [""])[0], protocol
    # AWS Account Management (REST-JSON): POST /listRegions and friends.
    account_op = {"/listRegions": "ListRegions", "/getRegionOptStatus": "GetRegionOptStatus"}
    if urllib.parse.urlsplit(path).path in account_op:
        return account_op[urllib.parse.urlsplit(path).path], "rest-json"
    # S3 (REST-XML), path-style: the listing, and GetObject (a GET of
    # /bucket/key with no subresource), which log verification reads.
    parts = urllib.parse.urlsplit(path)
    if "list-type=2" in parts.query:
        return "ListObjectsV2", "rest-xml"
    # (The Rust SDK sends GetObject with the query `x-id=GetObject`.)
    plain_get = not parts.query or parts.query == "x-id=GetObject"
    if method == "GET" and plain_get and parts.path.strip("/").count("/") >= 1:
        return "GetObject", "rest-xml"
    return None, "rest-xml"


def access_key_of(headers):
    """The access key id in a SigV4 Authorization header."""
    auth = headers.get("Authorization") or ""
    marker = "Credential="
    if marker not in auth:
        return "-"
    return auth.split(marker, 1)[1].split("/", 1)[0]


def make_handler(upstream, every, operation, delay_operation=None, delay=0.0, log_path=None,
                 fail_every=0, log_keys=None):
    counter = itertools.count(1)
    lock = threading.Lock()
    # Requests already answered with an injected error (--every,
    # --fail-every): their retries go through.
    faulted = set()
    up = urllib.parse.urlsplit(upstream)

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *_args):
            pass

        def _throttle(self, protocol):
            if protocol == "cbor":
                status, ctype = 400, "application/cbor"
                # CBOR map {"__type": "ThrottlingException", "message": "Rate exceeded"}.
                body = (b"\xa2\x66__type\x73ThrottlingException"
                        b"\x67message\x6dRate exceeded")
                self.send_response(status)
                self.send_header("smithy-protocol", "rpc-v2-cbor")
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                return
            if protocol == "rest-json":
                # Account Management's throttling error (API reference:
                # TooManyRequestsException, HTTP 429), code in x-amzn-ErrorType.
                body = b'{"message":"Rate exceeded"}'
                self.send_response(429)
                self.send_header("x-amzn-ErrorType", "TooManyRequestsException")
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                return
            if protocol == "json":
                status, ctype = 400, "application/x-amz-json-1.1"
                body = b'{"__type":"ThrottlingException","message":"Rate exceeded"}'
            elif protocol == "ec2":
                status, ctype = 503, "text/xml"
                body = (b'<Response><Errors><Error><Code>RequestLimitExceeded</Code>'
                        b'<Message>Request limit exceeded.</Message></Error></Errors>'
                        b'<RequestID>x</RequestID></Response>')
            elif protocol == "query":
                status, ctype = 400, "text/xml"
                body = (b'<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code>'
                        b'<Message>Rate exceeded</Message></Error><RequestId>x</RequestId></ErrorResponse>')
            else:
                status, ctype = 503, "application/xml"
                body = b"<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>"
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _handle(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            op, protocol = operation_of(self.headers, body, self.path, self.command)
            with lock:
                n = next(counter)
                if log_path:
                    with open(log_path, "a") as log:
                        log.write(f"{op or self.path}\n")
                if log_keys:
                    with open(log_keys, "a") as log:
                        log.write(f"{self.path} {access_key_of(self.headers)}\n")
            if operation and op == operation:
                return self._throttle(protocol)
            throttle = bool(every) and n % every == 0
            fail = bool(fail_every) and n % fail_every == fail_every // 2
            if throttle or fail:
                identity = (self.command, self.path, body, access_key_of(self.headers))
                with lock:
                    if identity in faulted:
                        throttle = fail = False
                    else:
                        faulted.add(identity)
            if throttle:
                return self._throttle(protocol)
            if fail:
                body = b'{"__type":"InternalFailure","message":"injected"}' if protocol in ("json", "rest-json") else (
                    b"<Error><Code>InternalError</Code><Message>injected</Message></Error>")
                self.send_response(500)
                self.send_header("Content-Type", "application/x-amz-json-1.1" if protocol in ("json", "rest-json") else "application/xml")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                return
            if delay_operation and op == delay_operation:
                time.sleep(delay)
            conn = http.client.HTTPConnection(up.hostname, up.port, timeout=60)
            headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
            conn.request(self.command, self.path, body=body or None, headers=headers)
            resp = conn.getresponse()
            data = resp.read()
            self.send_response(resp.status)
            for k, v in resp.getheaders():
                if k.lower() not in HOP_BY_HOP and k.lower() != "content-length":
                    self.send_header(k, v)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(data)
            conn.close()

        do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = _handle

    return Handler


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--upstream", required=True)
    parser.add_argument("--every", type=int, default=0)
    parser.add_argument("--operation")
    parser.add_argument("--delay-operation")
    parser.add_argument("--delay", type=float, default=0.0)
    parser.add_argument("--log")
    parser.add_argument("--fail-every", type=int, default=0)
    parser.add_argument("--log-keys")
    args = parser.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", 0), make_handler(
        args.upstream, args.every, args.operation, args.delay_operation, args.delay, args.log, args.fail_every,
        args.log_keys))
    server.daemon_threads = True
    print(server.server_address[1], flush=True)
    sys.stdout.close()
    server.serve_forever()


if __name__ == "__main__":
    main()
