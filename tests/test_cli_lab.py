"""``microbp lab`` as a command: the first line is the address with its token, it binds
127.0.0.1 by default, warns for another host, refuses bad input, and Ctrl-C stops it cleanly."""

from __future__ import annotations

import io
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("starlette")
pytest.importorskip("uvicorn")
httpx = pytest.importorskip("httpx")

from microbp import MLP, modelfile  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
FIRST_LINE = re.compile(r"microbp lab: http://127\.0\.0\.1:(\d+)/#token=([A-Za-z0-9_-]{20,})")

pytestmark = pytest.mark.slow


def start(*args: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, "-m", "microbp.cli", "lab", "--no-browser", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def stop(proc: subprocess.Popen) -> tuple[int, str]:
    proc.send_signal(signal.SIGINT)
    try:
        _, err = proc.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        raise
    return proc.returncode, err


def test_first_line_is_the_address_and_ctrl_c_stops_cleanly():
    proc = start()
    try:
        line = proc.stdout.readline().rstrip("\n")
        m = FIRST_LINE.fullmatch(line)
        assert m, line
        port, token = m[1], m[2]
        base = f"http://127.0.0.1:{port}"
        with httpx.Client(base_url=base, headers={"X-Microbp-Token": token}) as client:
            page = client.get("/")  # the page; its script reads the token after the #
            assert page.status_code == 200 and "lab.js" in page.text
            assert client.get("/api/state").json()["sizes"] == [3, 3, 2]
            assert httpx.get(f"{base}/api/state").status_code == 403
    finally:
        code, err = stop(proc)
    assert code == 0, err
    assert "microbp lab: stopped" in err and "Traceback" not in err


def test_options_build_the_net_and_a_loopback_host_is_not_warned_about(tmp_path):
    path = tmp_path / "model.json"
    modelfile.save(MLP([2, 4, 1], activation="tanh", seed=5), path)
    # 127.0.0.2 is still this machine's loopback: no warning about other machines
    proc = start("--load", str(path), "--data", "xor", "--host", "127.0.0.2")
    try:
        line = proc.stdout.readline()
        m = re.fullmatch(r"microbp lab: http://127\.0\.0\.2:(\d+)/#token=(\S+)\n", line)
        assert m, line
        state = httpx.get(
            f"http://127.0.0.2:{m[1]}/api/state", headers={"X-Microbp-Token": m[2]}
        ).json()
        assert state["sizes"] == [2, 4, 1] and state["activation"] == ["tanh", "tanh"]
        assert state["data"] == "xor" and state["N"] == 4
    finally:
        code, err = stop(proc)
    assert code == 0 and "warning" not in err, err


def test_host_ipv6_loopback_prints_an_address_that_answers():
    """Before: the Host `[::1]:PORT` was split at its first colon and refused ('Invalid host
    header'), and ::1 was warned about as reaching beyond this machine."""
    proc = start("--host", "::1")
    try:
        line = proc.stdout.readline()
        m = re.fullmatch(r"microbp lab: (http://\[::1\]:\d+)/#token=(\S+)\n", line)
        assert m, line
        r = httpx.get(f"{m[1]}/api/state", headers={"X-Microbp-Token": m[2]})
        assert r.status_code == 200, r.text
        assert r.json()["sizes"] == [3, 3, 2]
    finally:
        code, err = stop(proc)
    assert code == 0 and "warning" not in err, err


def test_a_host_beyond_this_machine_is_warned_about():
    from microbp.cli.lab import loopback

    assert not loopback("0.0.0.0") and not loopback("192.168.1.5") and not loopback("::")
    assert loopback("::1") and loopback("127.0.0.2") and loopback("localhost")


@pytest.mark.parametrize(
    "args, message",
    [
        (["--net", "2,100,100,1"], "parameters; the lab takes at most"),
        (["--net", "3,3,2", "--data", "xor"], "has 2 inputs and 1 outputs"),
        (["--data", "mnist"], "unknown data set 'mnist'"),
        (["--load", "/nonexistent/model.json"], "cannot read the model file"),
    ],
)
def test_bad_options_exit_2_with_a_message(args, message):
    proc = start(*args)
    try:
        out, err = proc.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        raise
    assert proc.returncode == 2, (out, err)
    assert message in err and out == ""


def test_a_port_in_use_is_refused_with_a_message():
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        proc = start("--port", str(busy.getsockname()[1]))
        out, err = proc.communicate(timeout=20)
    assert proc.returncode == 2 and "cannot listen on 127.0.0.1" in err, err


def test_the_listening_socket_hands_asyncio_tcp_so_responses_skip_nagles_delay():
    """asyncio sets TCP_NODELAY only on sockets whose proto is IPPROTO_TCP; with proto 0 every
    response waited ~40 ms on a delayed ACK (benchmarks/lab_latency.py: p50 48 ms → 2 ms)."""
    import socket

    from microbp.lab.server import listen

    sock = listen("127.0.0.1", 0)
    try:
        assert sock.proto == socket.IPPROTO_TCP
        assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 1
        assert sock.getsockname()[0] == "127.0.0.1"
    finally:
        sock.close()


def test_the_browser_is_opened_on_a_private_file_that_holds_the_token(monkeypatch):
    """Before: webbrowser.open(…?token=…) put the token on the browser's command line,
    which every user can read in /proc. Now the browser gets a file's path; the file
    (0600, in a 0700 folder) sends it on to the address, and goes when the lab stops."""
    import argparse
    import stat
    import webbrowser

    from microbp.cli import lab as lab_cli

    opened, seen = [], {}

    def fake_serve(state, host, port, on_ready):
        on_ready(f"http://127.0.0.1:4321/#token={'t' * 32}")
        path = Path(opened[0].removeprefix("file://"))
        seen["page"] = path.read_text()
        seen["file"] = stat.S_IMODE(path.stat().st_mode)
        seen["folder"] = stat.S_IMODE(path.parent.stat().st_mode)
        seen["path"] = path

    monkeypatch.setattr("microbp.lab.serve", fake_serve)
    monkeypatch.setattr(webbrowser, "open", opened.append)
    args = argparse.Namespace(
        data=None, load=None, net=None, activation=None, seed=0, host="127.0.0.1", port=0,
        no_browser=False,
    )  # fmt: skip
    out, err = io.StringIO(), io.StringIO()
    assert lab_cli.lab(args, out, err) == 0
    assert opened[0].startswith("file://") and "token" not in opened[0]
    assert f"http://127.0.0.1:4321/#token={'t' * 32}" in seen["page"]
    assert seen["file"] == 0o600 and seen["folder"] == 0o700
    assert not seen["path"].exists() and not seen["path"].parent.exists()
    assert "#token=" in out.getvalue()  # the terminal still shows the address
