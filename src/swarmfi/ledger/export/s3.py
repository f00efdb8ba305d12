"""`ledger push --s3 URL`: put the ledger's exports in any S3-compatible store.

Storj's S3 gateway, Filecoin pinning services with an S3 API, MinIO, AWS S3: one
``PUT`` per object, signed with AWS Signature Version 4 (written here from
AWS's spec; no SDK). The URL names the bucket and a key prefix:

    s3://BUCKET/PREFIX            endpoint from $AWS_ENDPOINT_URL_S3 or $AWS_ENDPOINT_URL
                                  (path style), else AWS itself (virtual-hosted style)
    https://HOST[:PORT]/BUCKET/PREFIX     that endpoint, path style

Credentials come from the environment only: AWS_ACCESS_KEY_ID,
AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN (optional) and AWS_REGION or
AWS_DEFAULT_REGION (default us-east-1). Each PUT carries Content-MD5, so the
store refuses a body that arrived damaged.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlsplit

from swarmfi.errors import ProviderError, UserInputError

SERVICE = "s3"
ALGORITHM = "AWS4-HMAC-SHA256"
TIMEOUT_S = 300.0
_CHUNK = 1 << 20


@dataclass(frozen=True)
class Credentials:
    access_key: str
    secret_key: str = ""
    token: str | None = None
    region: str = "us-east-1"

    def __repr__(self) -> str:  # never show the secret
        return f"Credentials({self.access_key!r}, region={self.region!r})"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Credentials:
        env = os.environ if env is None else env
        key, secret = env.get("AWS_ACCESS_KEY_ID", ""), env.get("AWS_SECRET_ACCESS_KEY", "")
        if not key or not secret:
            raise UserInputError(
                "no S3 credentials in the environment",
                "set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (Storj: the gateway's access"
                " key and secret), and AWS_REGION if the store wants one",
            )
        region = env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or "us-east-1"
        return cls(key, secret, env.get("AWS_SESSION_TOKEN") or None, region)


@dataclass(frozen=True)
class Target:
    """Where objects go: `url_for(key)` is the object's URL, `path_for(key)` its path."""

    endpoint: str  # scheme://host[:port]
    bucket: str
    prefix: str
    path_style: bool = True

    def key(self, name: str) -> str:
        return f"{self.prefix}/{name}" if self.prefix else name

    def path_for(self, key: str) -> str:
        encoded = "/".join(quote(part, safe="-_.~") for part in key.split("/"))
        return f"/{self.bucket}/{encoded}" if self.path_style else f"/{encoded}"

    def url_for(self, key: str) -> str:
        return self.endpoint + self.path_for(key)

    def describe(self, key: str) -> str:
        return f"s3://{self.bucket}/{key}"


_BUCKET = re.compile(r"[a-z0-9][a-z0-9.\-]{1,61}[a-z0-9]")


def parse_url(url: str, env: Mapping[str, str] | None = None, region: str = "us-east-1") -> Target:
    """The bucket, prefix and endpoint named by `url` (see the module docstring)."""
    env = os.environ if env is None else env
    parts = urlsplit(url)
    if parts.scheme == "s3":
        bucket, prefix = parts.netloc, parts.path.strip("/")
        endpoint = env.get("AWS_ENDPOINT_URL_S3") or env.get("AWS_ENDPOINT_URL")
        target = (Target(endpoint.rstrip("/"), bucket, prefix) if endpoint else
                  Target(f"https://{bucket}.s3.{region}.amazonaws.com", bucket, prefix, False))
    elif parts.scheme in ("http", "https") and parts.netloc:
        bucket, _, prefix = parts.path.strip("/").partition("/")
        target = Target(f"{parts.scheme}://{parts.netloc}", bucket, prefix.strip("/"))
    else:
        raise _bad_url(url, "it is neither s3://BUCKET/PREFIX nor https://HOST/BUCKET/PREFIX")
    if not _BUCKET.fullmatch(target.bucket):
        raise _bad_url(url, f"{target.bucket!r} is not a bucket name")
    return target


def _bad_url(url: str, why: str) -> UserInputError:
    return UserInputError(
        f"cannot push to {url!r}: {why}",
        "give s3://BUCKET/PREFIX (with AWS_ENDPOINT_URL for Storj or MinIO) or"
        " https://gateway.storjshare.io/BUCKET/PREFIX",
    )


# -- Signature Version 4 ------------------------------------------------------------


def _hmac(key: bytes, text: str) -> bytes:
    return hmac.new(key, text.encode("utf-8"), hashlib.sha256).digest()


def signing_key(secret: str, day: str, region: str, service: str = SERVICE) -> bytes:
    key = _hmac(("AWS4" + secret).encode("utf-8"), day)
    for part in (region, service, "aws4_request"):
        key = _hmac(key, part)
    return key


def sign(method: str, host: str, path: str, headers: Mapping[str, str], payload_sha256: str,
         creds: Credentials, now: dt.datetime) -> dict[str, str]:
    """The request's headers with x-amz-date, x-amz-content-sha256 and Authorization."""
    stamp = now.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    signed = {k.lower(): v.strip() for k, v in headers.items()}
    signed |= {"host": host, "x-amz-date": stamp, "x-amz-content-sha256": payload_sha256}
    if creds.token:
        signed["x-amz-security-token"] = creds.token
    names = sorted(signed)
    canonical = "\n".join([method, path, "", *(f"{n}:{signed[n]}" for n in names), "",
                           ";".join(names), payload_sha256])
    scope = f"{stamp[:8]}/{creds.region}/{SERVICE}/aws4_request"
    to_sign = "\n".join([ALGORITHM, stamp, scope, hashlib.sha256(canonical.encode()).hexdigest()])
    signature = hmac.new(signing_key(creds.secret_key, stamp[:8], creds.region),
                         to_sign.encode(), hashlib.sha256).hexdigest()
    auth = (f"{ALGORITHM} Credential={creds.access_key}/{scope}, "
            f"SignedHeaders={';'.join(names)}, Signature={signature}")
    return {**{k: v for k, v in signed.items() if k != "host"}, "Authorization": auth}


# -- putting objects -------------------------------------------------------------------


def _digests(path: Path) -> tuple[str, str]:
    """(sha256 hex, md5 base64) of the file, read a chunk at a time."""
    sha, md5 = hashlib.sha256(), hashlib.md5(usedforsecurity=False)
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            sha.update(chunk)
            md5.update(chunk)
    return sha.hexdigest(), base64.b64encode(md5.digest()).decode()


async def put_file(target: Target, key: str, path: Path, creds: Credentials,
                   content_type: str = "application/octet-stream") -> str:
    """PUT the file at `path` as `key`; return the object's URL. Raises ProviderError."""
    import aiohttp

    sha, md5 = _digests(path)
    host = urlsplit(target.endpoint).netloc
    headers = sign("PUT", host, target.path_for(key),
                   {"Content-MD5": md5, "Content-Type": content_type,
                    "Content-Length": str(path.stat().st_size)},
                   sha, creds, dt.datetime.now(dt.UTC))
    url = target.url_for(key)
    try:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=TIMEOUT_S)) as http:
            with path.open("rb") as body:
                async with http.put(url, data=body, headers=headers, skip_auto_headers=(
                        "Content-Type",)) as response:
                    text = await response.text()
                    status = response.status
    except (aiohttp.ClientError, TimeoutError, OSError) as exc:
        raise ProviderError(f"cannot reach the S3 store at {target.endpoint}: {exc}",
                            "check the URL / AWS_ENDPOINT_URL and your network") from exc
    if status >= 300:
        raise _put_error(target.describe(key), status, text)
    return url


def _put_error(where: str, status: int, body: str) -> ProviderError:
    code = _xml_field(body, "Code") or f"HTTP {status}"
    message = _xml_field(body, "Message") or body[:200]
    hint = ("check AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY and AWS_REGION"
            if status in (401, 403) else "check that the bucket exists and you may write to it")
    return ProviderError(f"the S3 store refused {where}: {code}: {message}", hint)


def _xml_field(body: str, name: str) -> str:
    found = re.search(rf"<{name}>(.*?)</{name}>", body, re.S)
    return found.group(1).strip() if found else ""
