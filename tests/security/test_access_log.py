"""The access log of a real `sitebook serve` keeps paths only: a key sent in a
query string (which is refused) never reaches the log.
"""

import subprocess
import time
from pathlib import Path

import httpx

from tests.test_service_process import SITEBOOK, environment, free_port

SECRET = "sbk_in-a-query-string-0123456789abcdef"


def test_query_strings_are_not_in_the_access_log(mongodb_uri: str, tmp_path: Path) -> None:
    port = free_port()
    env = {**environment(tmp_path), "MONGODB_URI": mongodb_uri,
           "SITEBOOK_DATABASE": "sitebook_access_log", "SITEBOOK_IMPORT_WORKERS": "0"}
    service = subprocess.Popen([SITEBOOK, "serve", "--port", str(port)], env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            assert service.poll() is None
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "the service did not start"
            time.sleep(0.2)
        refused = httpx.post(f"{base}/graphql?api_key={SECRET}",
                             json={"query": "{ settings { customerLabel } }"})
        assert refused.status_code == 401
        assert httpx.get(f"{base}/readyz?api_key={SECRET}&x=1").status_code == 200
    finally:
        service.terminate()
        output = service.communicate(timeout=30)[0]
    assert '"POST /graphql HTTP/1.1" 401' in output, output
    assert '"GET /readyz HTTP/1.1" 200' in output, output
    assert SECRET not in output
    assert "api_key" not in output

