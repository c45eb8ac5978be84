"""A real S3-compatible server on loopback: moto's standalone server, in its own process."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import httpx

from tests.polling import poll
from tests.server.conftest import free_port

BUCKET = "warmtts-test"


@dataclass
class S3Server:
    port: int
    log: Path
    process: subprocess.Popen[bytes] | None = None

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def env(self) -> dict[str, str]:
        """The standard variables every S3 client (and warmtts) reads."""
        return {
            "AWS_ENDPOINT_URL": self.endpoint, "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test",
            "AWS_DEFAULT_REGION": "us-east-1",
        }

    def start(self) -> None:
        """Start (or restart, on the same port: its objects are gone) with an empty bucket."""
        self.process = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(self.port)],
            stdout=self.log.open("ab"), stderr=subprocess.STDOUT,
        )

        def up() -> bool:
            try:
                return httpx.get(self.endpoint + "/moto-api/", timeout=1).status_code == 200
            except httpx.TransportError:
                return False

        assert poll(up, 30), f"moto server did not start: {self.log.read_text()[-2000:]}"
        self.client().create_bucket(Bucket=BUCKET)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)

    def client(self) -> Any:
        return boto3.client("s3", endpoint_url=self.endpoint, **_credentials(self.env))


def _credentials(env: dict[str, str]) -> dict[str, str]:
    return {
        "aws_access_key_id": env["AWS_ACCESS_KEY_ID"], "aws_secret_access_key": env["AWS_SECRET_ACCESS_KEY"],
        "region_name": env["AWS_DEFAULT_REGION"],
    }


@contextmanager
def running_s3(tmp_path: Path) -> Iterator[S3Server]:
    server = S3Server(free_port(), tmp_path / "moto.log")
    server.start()
    try:
        yield server
    finally:
        server.stop()


@contextmanager
def s3_environment(server: S3Server) -> Iterator[None]:
    """This process's AWS_* variables pointed at `server`, as a deployment would set them."""
    saved = {key: os.environ.get(key) for key in server.env}
    os.environ.update(server.env)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
