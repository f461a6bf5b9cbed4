"""Where a large export waits to be fetched: a private S3 bucket in AWS, a folder locally, behind
one small interface. Either way the caller gets a link that works for a few minutes only."""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import tempfile
from pathlib import Path
from typing import Any, ClassVar, Protocol
from urllib.parse import quote, urlencode

from chalicelib.clock import Clock
from chalicelib.files import XLSX_TYPE

LINK_SECONDS = 300
_NAME = re.compile(r"[a-f0-9]{16}\.[a-f0-9]{32}(\.failed)?")


class ExportStorage(Protocol):
    def put(self, name: str, data: bytes, filename: str) -> None: ...

    def exists(self, name: str) -> bool: ...

    def read(self, name: str) -> bytes | None: ...

    def link(self, name: str, filename: str) -> str:
        """A URL that downloads the file for ``LINK_SECONDS``, without any other credential."""
        ...


def valid_name(name: str) -> bool:
    """Object names are ``<owner hash>.<export id>`` (hex only): nothing a path could abuse."""
    return bool(_NAME.fullmatch(name))


def _disposition(filename: str) -> str:
    ascii_name = filename.encode("ascii", "ignore").decode() or "tep.xlsx"
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"


class S3Storage:
    """The private exports bucket (infra/exports.json: no public access, 1-day expiry);
    links are presigned GETs that also set the file name."""

    _clients: ClassVar[dict[str, Any]] = {}  # one S3 client per region and container

    def __init__(self, bucket: str, region: str) -> None:
        self._bucket = bucket
        self._region = region

    @property
    def client(self) -> Any:
        if self._region not in self._clients:  # built on first use: a request that exports nothing never pays
            import boto3
            from botocore.config import Config

            # Signature v4 (links carry X-Amz-Expires); v2 links are deprecated by S3.
            self._clients[self._region] = boto3.client(
                "s3", region_name=self._region, config=Config(signature_version="s3v4")
            )
        return self._clients[self._region]

    def put(self, name: str, data: bytes, filename: str) -> None:
        self.client.put_object(
            Bucket=self._bucket,
            Key=name,
            Body=data,
            ContentType=XLSX_TYPE,
            ContentDisposition=_disposition(filename),
        )

    def exists(self, name: str) -> bool:
        from botocore.exceptions import ClientError

        try:
            self.client.head_object(Bucket=self._bucket, Key=name)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return False
            raise
        return True

    def read(self, name: str) -> bytes | None:
        try:
            return self.client.get_object(Bucket=self._bucket, Key=name)["Body"].read()
        except self.client.exceptions.NoSuchKey:
            return None

    def link(self, name: str, filename: str) -> str:
        return self.client.generate_presigned_url(
            "get_object",
            Params={
                "Bucket": self._bucket,
                "Key": name,
                "ResponseContentDisposition": _disposition(filename),
            },
            ExpiresIn=LINK_SECONDS,
        )


class FolderStorage:
    """Locally: files in a folder under the stack's data directory, served by
    ``GET /exports/{name}`` with an expiring HMAC signature in the link."""

    def __init__(self, root: Path, secret: str, clock: Clock) -> None:
        self._root = root
        self._secret = secret
        self._clock = clock

    def path(self, name: str) -> Path:
        return self._root / name

    def put(self, name: str, data: bytes, filename: str) -> None:
        self._root.mkdir(parents=True, exist_ok=True)
        partial = self._root / f".{name}.part"
        partial.write_bytes(data)
        os.replace(partial, self.path(name))  # readers never see half a file

    def exists(self, name: str) -> bool:
        return self.path(name).is_file()

    def read(self, name: str) -> bytes | None:
        return self.path(name).read_bytes() if self.exists(name) else None

    def signature(self, name: str, expires: int, filename: str) -> str:
        message = f"export:{name}:{expires}:{filename}".encode()
        return hmac.new(self._secret.encode(), message, hashlib.sha256).hexdigest()[:32]

    def link(self, name: str, filename: str) -> str:
        expires = self._clock.now_ms() // 1000 + LINK_SECONDS
        query = urlencode(
            {"expires": expires, "filename": filename, "signature": self.signature(name, expires, filename)}
        )
        return f"exports/{name}?{query}"  # relative: the console puts its API base before it

    def read_signed(self, name: str, expires: str, filename: str, signature: str) -> bytes | None:
        """The file when the link is genuine and not expired, else None."""
        if not valid_name(name) or not expires.isdigit() or int(expires) < self._clock.now_ms() // 1000:
            return None
        if not hmac.compare_digest(self.signature(name, int(expires), filename), signature):
            return None
        return self.read(name)


def default_folder() -> Path:
    return Path(tempfile.gettempdir()) / "songcong-exports"
