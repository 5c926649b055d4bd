"""SessionRecorder on its own: masking, queries, waiting, thread safety."""

from __future__ import annotations

import threading
import time

import pytest

from hil.errors import HilError
from hil.ftp import SessionRecorder, TransferRecord


def transfer(session: int = 1, completed: bool = True) -> TransferRecord:
    return TransferRecord(session, "/app.bin", "a", "a", ("TYPE A",), 10, 12, completed)


def test_pass_is_masked() -> None:
    recorder = SessionRecorder()
    record = recorder.add_command(1, "PASS s3cret", "PASS", "s3cret")
    assert (record.line, record.argument) == ("PASS ******", "******")
    recorder.add_command(1, "USER bob", "USER", "bob")
    assert "s3cret" not in "\n".join(recorder.lines())
    assert recorder.lines() == ["[1] <- PASS ******", "[1] <- USER bob"]


def test_queries() -> None:
    recorder = SessionRecorder()
    assert recorder.last_transfer() is None
    first, second = recorder.new_session(), recorder.new_session()
    assert (first, second) == (1, 2)
    recorder.add_command(1, "TYPE A", "TYPE", "A")
    recorder.add_command(2, "TYPE I", "TYPE", "I")
    recorder.add_command(2, "NOOP", "NOOP", "")
    recorder.add_transfer(transfer(2, completed=False))
    assert recorder.type_commands() == ["TYPE A", "TYPE I"]
    assert recorder.type_commands(session=2) == ["TYPE I"]
    assert [c.command for c in recorder.commands] == ["TYPE", "TYPE", "NOOP"]
    assert recorder.last_transfer() == transfer(2, completed=False)
    assert "INCOMPLETE" in recorder.lines()[-1]
    recorder.clear()
    assert recorder.commands == [] and recorder.transfers == []


def test_wait_for_transfer_wakes_on_record() -> None:
    recorder = SessionRecorder()
    timer = threading.Timer(0.05, recorder.add_transfer, [transfer()])
    timer.start()
    started = time.monotonic()
    assert recorder.wait_for_transfer(timeout=5) == transfer()
    assert time.monotonic() - started < 1
    timer.join()


def test_wait_for_transfer_times_out() -> None:
    recorder = SessionRecorder()
    recorder.add_transfer(transfer())
    with pytest.raises(HilError, match="recorded 1 transfer"):
        recorder.wait_for_transfer(timeout=0.05, count=2)


def test_concurrent_writers() -> None:
    recorder = SessionRecorder()

    def write(session: int) -> None:
        for i in range(500):
            recorder.add_command(session, f"NOOP {i}", "NOOP", str(i))

    threads = [threading.Thread(target=write, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(recorder.commands) == 8 * 500


def test_line_names_the_transfer_type_and_the_clients_apart() -> None:
    recorder = SessionRecorder()
    recorder.add_transfer(TransferRecord(1, "/a.bin", "a", "i", (), 10, 10, True))
    recorder.add_transfer(TransferRecord(2, "/a.bin", "i", "a", ("TYPE I",), 10, 12, True))
    assert recorder.lines() == [
        "[1] RETR /a.bin: binary transfer (client ASCII, sent no TYPE),"
        " 10 B file, 10 B on the wire, complete",
        "[2] RETR /a.bin: ASCII transfer (client binary, sent TYPE I),"
        " 10 B file, 12 B on the wire, complete",
    ]


def test_a_forced_ascii_server_logs_what_it_did(tmp_path) -> None:
    """A server forcing ASCII on a TYPE I client: the log says which type was whose."""
    import ftplib

    from hil.ftp import FtpServer, FtpServerConfig, TransferPolicy

    (tmp_path / "a.bin").write_bytes(b"one\ntwo\n")
    with FtpServer(FtpServerConfig(tmp_path, policy=TransferPolicy.ASCII)) as server:
        client = ftplib.FTP(timeout=5)
        client.connect(server.host, server.port)
        client.login(server.user, server.password)
        chunks: list[bytes] = []
        client.retrbinary("RETR a.bin", chunks.append)
        client.quit()
        server.recorder.wait_for_transfer(5.0)
        line = next(text for text in server.recorder.lines() if "RETR /a.bin:" in text)
    assert b"".join(chunks) == b"one\r\ntwo\r\n"
    assert "ASCII transfer (client binary, sent TYPE I)" in line, line
