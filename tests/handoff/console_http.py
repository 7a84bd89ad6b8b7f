"""A blocking console client (urllib + cookie jar) for tests against a running backend."""

from __future__ import annotations

import http.cookiejar
import re
import urllib.request
from typing import Any, Optional, Tuple

from devstack.stack import http_json


class StackConsole:
    def __init__(self, base_url: str) -> None:
        self.base = base_url.rstrip("/")
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))
        self.csrf: Optional[str] = None

    def _send(
        self, method: str, path: str, body: Any = None, headers: Optional[dict] = None
    ) -> Tuple[int, Any]:
        return http_json(
            method,
            self.base + path,
            body,
            timeout=60,
            opener=self.opener,
            headers={
                "Accept": "application/json",
                **({"X-CSRF-Token": self.csrf} if self.csrf and method == "POST" else {}),
                **(headers or {}),
            },
        )

    def login(self, username: str, password: str) -> "StackConsole":
        with self.opener.open(self.base + "/console/login", timeout=30) as answer:
            token = re.search(r'name="csrf_token" value="([^"]+)"', answer.read().decode()).group(1)
        status, body = self._send(
            "POST", "/console/login", {"username": username, "password": password, "csrf_token": token}
        )
        assert status == 200, body
        self.csrf = body["csrf_token"]
        return self

    def get(self, path: str) -> Tuple[int, Any]:
        return self._send("GET", path)

    def post(self, path: str, body: Any) -> Tuple[int, Any]:
        return self._send("POST", path, body)
