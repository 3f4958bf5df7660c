"""microbp.files.write_atomic, the one writer of every file microbp saves: it never replaces
what is not a regular file (a symlink is followed and stays a link, a device or a FIFO is
written into, a socket is refused and kept), ``-`` is standard output, and a full disk gives
an error naming the user's file, with the old file intact. Special files are made with
``mknod``/``mkfifo`` in a temporary folder, never the system's own; a full disk is the
null-device twin ``full`` (char 1, 7) made there, or a patched write. (A SIGTERM during a save:
tests/test_cli_bad_input.py.)"""

from __future__ import annotations

import errno
import os
import socket
import stat
import threading

import pytest

from microbp import MLP, files


def test_a_symlink_is_followed_and_stays_a_link(tmp_path):
    target = tmp_path / "target.json"
    MLP([2, 1], seed=0).save(target)
    link = tmp_path / "link.json"
    link.symlink_to("target.json")
    new = MLP([2, 1], seed=1)
    new.save(link)
    assert link.is_symlink() and os.readlink(link) == "target.json"
    assert MLP.load(target).get_flat().tolist() == new.get_flat().tolist()
    assert sorted(os.listdir(tmp_path)) == ["link.json", "target.json"]


def test_a_dangling_symlink_creates_its_target(tmp_path):
    link = tmp_path / "link.json"
    link.symlink_to("made.json")
    files.write_atomic(link, "x")
    assert link.is_symlink() and (tmp_path / "made.json").read_text() == "x"


def test_a_character_device_is_written_into_not_replaced(tmp_path):
    null = tmp_path / "null"
    os.mknod(null, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    MLP([2, 1]).save(null)
    files.check_writable(null)
    assert stat.S_ISCHR(os.stat(null).st_mode)
    assert os.listdir(tmp_path) == ["null"]


def test_a_full_device_gives_an_error_naming_the_file_and_stays_a_device(tmp_path):
    full = tmp_path / "full"
    os.mknod(full, stat.S_IFCHR | 0o666, os.makedev(1, 7))
    with pytest.raises(OSError, match="full'.*No space left") as info:
        MLP([2, 1]).save(full)
    assert info.value.errno == errno.ENOSPC
    assert stat.S_ISCHR(os.stat(full).st_mode)
    assert os.listdir(tmp_path) == ["full"]


def test_a_fifo_is_written_into_when_read_and_refused_when_not(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    with pytest.raises(OSError, match="no process is reading the FIFO"):
        files.write_atomic(fifo, "lost")  # does not hang
    got = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_text()))
    reader.start()
    for _ in range(200):  # wait for the reader to open its end
        try:
            files.write_atomic(fifo, "through the pipe")
            break
        except OSError:
            threading.Event().wait(0.01)
    reader.join(5)
    assert got == ["through the pipe"]
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)


def test_a_socket_is_refused_and_kept(tmp_path):
    path = tmp_path / "s.sock"
    sock = socket.socket(socket.AF_UNIX)
    try:
        sock.bind(str(path))
        with pytest.raises(OSError, match="it is a socket"):
            files.write_atomic(path, "x")
        with pytest.raises(ValueError, match="it is a socket"):
            files.check_writable(path)
        assert stat.S_ISSOCK(os.stat(path).st_mode)
    finally:
        sock.close()


def test_a_link_to_an_open_descriptor_is_written_through(tmp_path):
    out = tmp_path / "held.txt"
    with open(out, "w") as held:
        inode = os.stat(out).st_ino
        link = tmp_path / "out.dot"
        link.symlink_to(f"/proc/self/fd/{held.fileno()}")
        files.write_atomic(link, "digraph {}\n")
    assert os.stat(out).st_ino == inode and out.read_text() == "digraph {}\n"


def test_dash_is_standard_output(capsys, tmp_path):
    files.write_atomic("-", "text\n")
    files.check_writable("-")
    assert capsys.readouterr().out == "text\n"
    assert not os.path.exists("-")


def test_a_full_disk_error_names_the_users_file(tmp_path, monkeypatch):
    path = tmp_path / "net.json"
    MLP([2, 1]).save(path)
    old = path.read_bytes()

    def full(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(files.os, "fsync", full)
    with pytest.raises(OSError, match="net.json'.*No space left") as info:
        MLP([2, 1], seed=3).save(path)
    assert ".tmp" not in str(info.value)
    assert path.read_bytes() == old and os.listdir(tmp_path) == ["net.json"]
