"""``hil reproduce --server``: the simulated DK against pyftpdlib, ``hil serve``, Debian vsftpd
and small scripted servers that refuse or break, all on loopback."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from hil.cli import main
from hil.ftp.faults import DropData, MissingFile, RefuseLogin
from hil.ftp.policy import TransferPolicy
from hil.ftp.server import FtpServer
from hil.image.signing import count_lone_lf
from hil.kit import UpdateKit
from hil.reproduce.images import CACHE_ENV

VSFTPD = shutil.which("vsftpd") or next(
    (p for p in ("/usr/sbin/vsftpd", "/sbin/vsftpd") if os.access(p, os.X_OK)), None
)
MODES = ["default", "ascii", "binary"]


@pytest.fixture(autouse=True)
def _kit_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(CACHE_ENV, str(tmp_path_factory.getbasetemp() / "hil-kit-cache"))


@pytest.fixture
def own(update_kit: UpdateKit, tmp_path: Path) -> list[str]:
    """``--image/--key/--factory-image`` of the session's build."""
    image, factory = tmp_path / "app_update.bin", tmp_path / "factory.bin"
    image.write_bytes(update_kit.update_image)
    factory.write_bytes(update_kit.factory_image)
    return ["--key", str(update_kit.key_path), "--factory-image", str(factory)]


def _reproduce(capsys, url: str, *argv: str) -> tuple[int, list[dict], str]:
    code = main(["reproduce", "--server", url, "--json", *argv])
    out, err = capsys.readouterr()
    return code, (json.loads(out) if out.strip() else []), err + out


def _url(server: FtpServer, name: str = "app_update.bin") -> str:
    return f"ftp://{server.user}:{server.password}@127.0.0.1:{server.port}/{name}"


# --- the suite's pyftpdlib server -------------------------------------------------------------


def test_pyftpdlib_default_ascii_mangle_binary_boots(capsys, ftp_server, update_kit, own) -> None:
    image = update_kit.update_image
    server = ftp_server({"app_update.bin": image})
    code, rows, out = _reproduce(capsys, _url(server), *own)
    assert code == 1 and [row["mode"] for row in rows] == MODES
    assert server.password not in out
    grown = len(image) + count_lone_lf(image)
    for row in rows[:2]:
        assert (row["ftp_rc"], row["dfu_rc"], row["rx"]) == (226, 0, grown)
        assert not row["update_booted"] and row["booted_version"] == update_kit.old_version
    binary = rows[2]
    assert (binary["ftp_rc"], binary["dfu_rc"], binary["rx"]) == (226, 0, len(image))
    assert binary["size_announced"] == binary["bytes_served"] == len(image)  # from SIZE
    assert binary["slot_matches_served"] is None  # no local copy given
    assert binary["update_booted"] and binary["booted_version"] == update_kit.new_version
    sent = [command.split()[0] for command in binary["commands"]]
    assert sent == ["OPTS", "USER", "PASS", "TYPE", "PASV", "RETR", "QUIT"]
    assert "PASS ******" in binary["commands"]
    assert _dk_sessions(server, 3) == [row["commands"] for row in rows]


def _dk_sessions(server: FtpServer, count: int) -> list[list[str]]:
    """The command lines of each session that sent RETR, as the server logged them (the host's
    SIZE session aside), once ``count`` of them have ended with QUIT."""
    deadline = time.monotonic() + 10
    while True:
        sessions: dict[int, list[str]] = {}
        for record in server.recorder.commands:
            sessions.setdefault(record.session, []).append(record.line)
        found = [lines for lines in sessions.values() if any(ln.startswith("RETR") for ln in lines)]
        if sum(lines[-1] == "QUIT" for lines in found) >= count or time.monotonic() > deadline:
            return found
        time.sleep(0.02)


def test_binary_server_boots_in_every_mode_exit_0(capsys, ftp_server, update_kit, own) -> None:
    server = ftp_server({"app_update.bin": update_kit.update_image}, policy=TransferPolicy.BINARY)
    image = Path(own[3]).with_name("app_update.bin")
    code, rows, _ = _reproduce(capsys, _url(server), *own, "--image", str(image))
    assert code == 0
    assert all(row["update_booted"] and row["slot_matches_served"] for row in rows)


@pytest.mark.parametrize(
    ("fault", "ftp_rc", "last_command"),
    [(MissingFile(), 550, "RETR app_update.bin"), (RefuseLogin(), 530, "PASS ******")],
)
def test_refusals_are_rows(capsys, ftp_server, update_kit, own, fault, ftp_rc, last_command):
    server = ftp_server({"app_update.bin": update_kit.update_image}, faults=fault)
    code, rows, _ = _reproduce(capsys, _url(server), *own, "--size", "1000")
    assert code == 1 and len(rows) == 3
    for row in rows:
        assert row["ftp_rc"] == ftp_rc and row["rx"] == 0
        assert (
            last_command in row["commands"]
            and "PASV" not in row["commands"][row["commands"].index(last_command) + 1 :]
        )
        assert row["mcuboot_decision"] == "no-upgrade" and not row["update_booted"]
        assert row["booted_version"] == update_kit.old_version


def test_data_closed_early_is_a_row(capsys, ftp_server, update_kit, own) -> None:
    image = update_kit.update_image
    server = ftp_server({"app_update.bin": image}, faults=DropData(20_000))  # the first RETR
    code, rows, _ = _reproduce(capsys, _url(server), *own)
    assert code == 1
    dropped, ascii_, binary = rows
    # what the DK read before its data task ended depends on the race between 426 and the data
    assert dropped["ftp_rc"] in (226, 426) and dropped["bytes_on_wire"] <= 20_000
    assert dropped["rx"] <= dropped["bytes_on_wire"] and not dropped["verdict_ok"]
    # 226 or 426 depends on which the DK sees first; either way nothing new boots
    assert not dropped["update_booted"] and dropped["booted_version"] == update_kit.old_version
    assert ascii_["rx"] == len(image) + count_lone_lf(image)
    assert binary["update_booted"]


# --- `hil serve` --------------------------------------------------------------------------------


def test_hil_serve_forcing_ascii_breaks_even_binary(capsys, update_kit, own, tmp_path) -> None:
    folder = tmp_path / "served"
    folder.mkdir()
    (folder / "app_update.bin").write_bytes(update_kit.update_image)
    proc = subprocess.Popen(
        [sys.executable, "-m", "hil.cli", "serve", str(folder), "--port", "0", "--json",
         "--policy", "ascii"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )  # fmt: skip
    try:
        assert proc.stdout is not None
        banner = json.loads(proc.stdout.readline())
        code, rows, _ = _reproduce(capsys, banner["url"] + "app_update.bin", *own)
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(20)
    assert code == 1
    grown = len(update_kit.update_image) + count_lone_lf(update_kit.update_image)
    assert [row["rx"] for row in rows] == [grown] * 3
    assert rows[2]["type_sent"] == "TYPE I" and not rows[2]["update_booted"]


# --- Debian vsftpd ------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def vsftpd(tmp_path: Path, update_kit: UpdateKit) -> Iterator[Callable[[bool], str]]:
    """vsftpd on 127.0.0.1 serving the update anonymously; returns its URL."""
    if VSFTPD is None:
        pytest.skip("vsftpd is not installed (apt-get install vsftpd)")
    procs: list[subprocess.Popen[bytes]] = []

    def start(ascii_download: bool) -> str:
        port = _free_port()
        base = tmp_path / f"vsftpd-{port}"
        root, empty = base / "root", base / "empty"
        for folder in (root, empty):
            folder.mkdir(parents=True)
            folder.chmod(0o755)
        (root / "app_update.bin").write_bytes(update_kit.update_image)
        (root / "app_update.bin").chmod(0o644)
        settings = {
            "listen": "YES", "listen_ipv6": "NO", "listen_address": "127.0.0.1",
            "listen_port": port, "background": "NO", "anonymous_enable": "YES",
            "no_anon_password": "YES", "anon_root": root, "local_enable": "NO",
            "write_enable": "NO", "ascii_download_enable": "YES" if ascii_download else "NO",
            "seccomp_sandbox": "NO", "secure_chroot_dir": empty, "xferlog_enable": "NO",
            "vsftpd_log_file": base / "vsftpd.log",
        }  # fmt: skip
        if os.geteuid() != 0:
            settings["run_as_launching_user"] = "YES"
        config = base / "vsftpd.conf"
        config.write_text("".join(f"{key}={value}\n" for key, value in settings.items()))
        proc = subprocess.Popen([VSFTPD, str(config)], stdout=subprocess.DEVNULL)
        procs.append(proc)
        while proc.poll() is None:  # ready once it answers with its banner
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=5) as conn:
                    if conn.recv(64).startswith(b"220"):
                        return f"ftp://127.0.0.1:{port}/app_update.bin"
            except OSError:
                time.sleep(0.05)
        pytest.fail(f"vsftpd exited with {proc.returncode}")

    yield start
    for proc in procs:
        proc.terminate()
        proc.wait(10)


@pytest.mark.parametrize("ascii_download", [True, False], ids=["ascii-enabled", "debian-default"])
def test_vsftpd_both_settings_all_modes(capsys, vsftpd, update_kit, own, ascii_download) -> None:
    image = update_kit.update_image
    code, rows, _ = _reproduce(capsys, vsftpd(ascii_download), *own)
    mangled = {"default": ascii_download, "ascii": ascii_download, "binary": False}
    assert code == (1 if ascii_download else 0)
    for row in rows:
        assert row["commands"][:2] == ["OPTS UTF8 ON", "USER anonymous"]  # 230 at once
        assert row["ftp_rc"] == 226 and row["dfu_rc"] == 0
        grown = count_lone_lf(image) if mangled[row["mode"]] else 0
        assert row["rx"] == row["bytes_on_wire"] == len(image) + grown
        assert row["update_booted"] is not mangled[row["mode"]]
        assert row["bytes_served"] == row["size_announced"] == len(image)


# --- scripted servers ---------------------------------------------------------------------------


class Scripted:
    """A tiny FTP server on a raw socket: stock replies, any of them overridden per command."""

    def __init__(
        self,
        data: bytes,
        replies: dict[str, bytes] | None = None,
        *,
        greeting: bytes = b"220 scripted\r\n",
        send: int | None = None,
        reset: bool = False,
    ) -> None:
        self.data, self.replies, self.greeting, self.reset = data, replies or {}, greeting, reset
        self.send = len(data) if send is None else send
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.url = f"ftp://user:secret@127.0.0.1:{self.port}/app_update.bin"
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            if self.reset:  # RST right away: the server is there, and refuses this way
                conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                conn.close()
                continue
            threading.Thread(target=self._session, args=(conn,), daemon=True).start()

    def _session(self, conn: socket.socket) -> None:
        data_listener: socket.socket | None = None
        with conn, conn.makefile("rb") as lines:
            conn.sendall(self.greeting)
            for raw in lines:
                verb = raw.split(b" ")[0].strip().decode().upper()
                if verb in self.replies:
                    conn.sendall(self.replies[verb])
                elif verb == "PASV":
                    data_listener = socket.create_server(("127.0.0.1", 0))
                    port = data_listener.getsockname()[1]
                    conn.sendall(f"227 Passive (127,0,0,1,{port >> 8},{port & 255})\r\n".encode())
                elif verb == "RETR" and data_listener is not None:
                    conn.sendall(b"150 Opening BINARY mode data connection\r\n")
                    data, _ = data_listener.accept()
                    with data:
                        data.sendall(self.data[: self.send])
                    conn.sendall(b"226 Transfer complete\r\n")
                elif verb == "QUIT":
                    conn.sendall(b"221 Bye\r\n")
                    return
                else:
                    stock = {"USER": b"331 Password\r\n", "PASS": b"230 In\r\n",
                             "SIZE": f"213 {len(self.data)}\r\n".encode()}  # fmt: skip
                    conn.sendall(stock.get(verb, b"200 OK\r\n"))

    def close(self) -> None:
        self.listener.close()


@pytest.fixture
def scripted() -> Iterator[Callable[..., Scripted]]:
    servers: list[Scripted] = []

    def start(*args, **kwargs) -> Scripted:
        servers.append(Scripted(*args, **kwargs))
        return servers[-1]

    yield start
    for server in servers:
        server.close()


def test_scripted_server_matches_a_clean_download(capsys, scripted, update_kit, own) -> None:
    server = scripted(update_kit.update_image)
    code, rows, out = _reproduce(capsys, server.url, *own)
    assert code == 0 and "secret" not in out
    assert rows[0]["commands"] == [
        "OPTS UTF8 ON", "USER user", "PASS ******", "PASV", "RETR app_update.bin", "QUIT",
    ]  # fmt: skip


def test_type_refused_fails_only_the_modes_that_send_type(capsys, scripted, update_kit, own):
    server = scripted(update_kit.update_image, {"TYPE": b"504 Not implemented\r\n"})
    code, rows, _ = _reproduce(capsys, server.url, *own, "--size", "1000")
    assert code == 1
    default, ascii_, binary = rows
    assert default["ftp_rc"] == 226 and default["update_booted"]  # no TYPE, no translation
    assert (ascii_["ftp_rc"], ascii_["rx"], ascii_["type_sent"]) == (504, 0, "TYPE A")
    assert (binary["ftp_rc"], binary["rx"], binary["type_sent"]) == (504, 0, "TYPE I")
    assert not any("RETR" in line for line in ascii_["commands"] + binary["commands"])


def test_truncated_file_with_226_is_accepted_by_the_app_rejected_by_mcuboot(
    capsys, scripted, update_kit, own
) -> None:
    server = scripted(update_kit.update_image, send=100_000)
    code, rows, _ = _reproduce(capsys, server.url, *own)
    assert code == 1
    for row in rows:
        assert (row["ftp_rc"], row["dfu_rc"], row["rx"]) == (226, 0, 100_000)
        assert not row["verdict_ok"] and row["mcuboot_decision"] == "rejected"


def test_greeting_without_a_reply_code_is_a_row(capsys, scripted, update_kit, own) -> None:
    server = scripted(update_kit.update_image, greeting=b"hello, no code here\r\n")
    code, rows, err = _reproduce(capsys, server.url, *own, "--size", "1000")
    assert code == 1, err
    for row in rows:
        assert row["commands"] == [] and row["rx"] == 0 and row["ftp_rc"] != 226


def test_size_refused_announces_the_slot_size(capsys, scripted, update_kit, own) -> None:
    server = scripted(update_kit.update_image, {"SIZE": b"502 No SIZE here\r\n"})
    code, rows, _ = _reproduce(capsys, server.url, *own)
    assert code == 0
    assert {row["size_announced"] for row in rows} == {0x78000}
    assert {row["bytes_served"] for row in rows} == {None}
    main(["reproduce", "--server", server.url, *own])
    out = capsys.readouterr().out
    assert "the slot size: the server gave no size (502 No SIZE here)" in out
    assert out.rstrip().endswith("The update boots in every mode.")


def test_reset_at_once_is_a_row_not_unreachable(capsys, scripted, update_kit, own) -> None:
    server = scripted(update_kit.update_image, reset=True)
    for extra in ([], ["--size", "1000"]):  # the host's SIZE query meets the reset too
        code, rows, err = _reproduce(capsys, server.url, *own, *extra)
        assert code == 1, err
        assert all(row["rx"] == 0 and row["ftp_rc"] != 226 for row in rows)


def test_absurd_size_answer_is_not_announced(capsys, scripted, update_kit, own) -> None:
    server = scripted(update_kit.update_image, {"SIZE": b"213 99999999999\r\n"})
    code, rows, _ = _reproduce(capsys, server.url, *own)
    assert code == 0 and {row["size_announced"] for row in rows} == {0x78000}


def test_unreachable_server_is_one_line_exit_2(capsys, own) -> None:
    port = _free_port()  # nothing listens there
    for extra in ([], ["--size", "1000"]):  # found by the host's SIZE query, or by the DK
        code, rows, err = _reproduce(capsys, f"ftp://127.0.0.1:{port}/app_update.bin", *own, *extra)
        assert code == 2 and not rows
        assert "cannot reach the FTP server at 127.0.0.1" in err
        assert len(err.strip().splitlines()) == 1
