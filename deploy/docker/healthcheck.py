"""The image's HEALTHCHECK: healthy when this container's service answers `/healthz` with 200.

One image runs every service, each on its own port; `WAYMARK_HEALTHCHECK_URL` names the
endpoint, else each service's default port is tried in turn.
"""

from __future__ import annotations

import os
import sys
import urllib.request

DEFAULT_PORTS = (8090, 8082, 8080, 8083, 8084)


def healthy(url: str) -> bool:
    """True when `url` answers 200 within two seconds."""
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return bool(response.status == 200)
    except OSError:
        return False


def main() -> int:
    """Exit 0 when the service answers, 1 otherwise (Docker's healthcheck contract)."""
    given = os.environ.get("WAYMARK_HEALTHCHECK_URL")
    urls = [given] if given else [f"http://127.0.0.1:{port}/healthz" for port in DEFAULT_PORTS]
    return 0 if any(healthy(url) for url in urls) else 1


if __name__ == "__main__":
    sys.exit(main())
