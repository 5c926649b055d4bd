"""``hil reproduce`` with its local server: the demo build, the user's own files, bad input."""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from hil.cli import main
from hil.image.keys import KeyType, generate_key, load_imgtool_key
from hil.image.signing import count_lone_lf
from hil.kit import UpdateKit
from hil.reproduce.images import CACHE_ENV
from hil.reproduce.report import JSON_KEYS

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _kit_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(CACHE_ENV, str(tmp_path_factory.getbasetemp() / "hil-kit-cache"))


def _reproduce(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, list[dict], str]:
    try:
        code = main(["reproduce", "--json", *argv])
    except SystemExit as done:  # argparse's own usage errors
        code = int(done.code or 0)
    out, err = capsys.readouterr()
    return code, (json.loads(out) if out.strip() else []), err


@pytest.fixture
def own_files(update_kit: UpdateKit, tmp_path: Path) -> dict[str, Path]:
    """The session's build written out as a user has it: key, old image, new image."""
    files = {"key": update_kit.key_path, "image": tmp_path / "app_update.bin"}
    files["image"].write_bytes(update_kit.update_image)
    files["factory"] = tmp_path / "factory.bin"
    files["factory"].write_bytes(update_kit.factory_image)
    return files


def test_demo_run_shows_the_bug_in_default_and_ascii(capsys) -> None:
    code, rows, _ = _reproduce(capsys)
    assert code == 0  # locally only binary mode counts: the local server translates ASCII
    assert [row["mode"] for row in rows] == ["default", "ascii", "binary"]
    assert all(tuple(row) == JSON_KEYS for row in rows)
    default, ascii_, binary = rows
    served = binary["bytes_served"]
    for row in (default, ascii_):
        assert row["ftp_rc"] == 226 and row["dfu_rc"] == 0
        assert row["rx"] == row["bytes_written"] == row["bytes_on_wire"] > served
        assert not row["slot_matches_served"] and not row["verdict_ok"]
        assert row["mcuboot_decision"] == "rejected" and not row["update_booted"]
        assert row["booted_version"] == "1.0.0+0"
        assert "E: Image in the secondary slot is not valid!" in row["mcuboot_log"]
    assert binary["rx"] == binary["bytes_on_wire"] == served == binary["size_announced"]
    assert binary["slot_matches_served"] and binary["verdict_ok"] and binary["signature_checked"]
    assert binary["update_booted"] and binary["booted_version"] == "2.0.0+0"
    assert binary["mcuboot_decision"] == "swapped" and binary["schedule_rc"] == 0
    login = ["OPTS UTF8 ON", default["commands"][1], "PASS ******"]
    assert default["commands"] == [*login, "PASV", "RETR app_update.bin", "QUIT"]
    assert ascii_["commands"] == [*login, "TYPE A", "PASV", "RETR app_update.bin", "QUIT"]
    assert binary["commands"][3] == "TYPE I" and binary["type_sent"] == "TYPE I"
    assert default["type_sent"] is None


def test_own_image_key_and_factory_image(capsys, own_files, update_kit: UpdateKit) -> None:
    code, rows, _ = _reproduce(
        capsys,
        "--image", str(own_files["image"]),
        "--key", str(own_files["key"]),
        "--factory-image", str(own_files["factory"]),
    )  # fmt: skip
    assert code == 0
    default, _, binary = rows
    image = update_kit.update_image
    assert binary["bytes_served"] == binary["rx"] == len(image)
    assert binary["update_booted"] and binary["booted_version"] == update_kit.new_version
    assert binary["signature_checked"]
    assert default["rx"] == len(image) + count_lone_lf(image)
    assert default["booted_version"] == update_kit.old_version


def test_wrong_key_is_a_rejected_update_not_an_error(capsys, own_files, tmp_path) -> None:
    other = generate_key(tmp_path / "other.pem", KeyType.RSA2048)
    code, rows, _ = _reproduce(
        capsys, "--image", str(own_files["image"]), "--key", str(other),
        "--factory-image", str(own_files["image"]),
    )  # fmt: skip
    assert code == 2  # the old image does not boot with a key it was not signed with
    code, rows, err = _reproduce(capsys, "--image", str(own_files["image"]), "--key", str(other))
    assert code == 1, err
    binary = rows[2]
    assert binary["slot_matches_served"] and not binary["verdict_ok"]
    assert "key hash matches none" in binary["verdict_reason"]
    assert not binary["update_booted"] and binary["booted_version"] == "1.0.0+0"


def test_without_a_key_the_signature_is_not_checked(capsys, own_files) -> None:
    code, rows, _ = _reproduce(capsys, "--image", str(own_files["image"]))
    assert code == 0
    assert not any(row["signature_checked"] for row in rows)
    assert rows[2]["verdict_ok"] and rows[2]["update_booted"]
    main(["reproduce", "--image", str(own_files["image"])])
    out = capsys.readouterr().out
    assert "signature not checked" in out
    assert "boots only in binary mode. Fix: send TYPE I (ftp_type(FTP_TYPE_BINARY)" in out


def test_public_key_needs_signed_images_given(capsys, own_files, tmp_path) -> None:
    public = tmp_path / "public.pem"
    load_imgtool_key(own_files["key"]).export_public(str(public))  # type: ignore[attr-defined]
    code, _, err = _reproduce(capsys, "--key", str(public))
    assert code == 2 and "public key" in err and len(err.splitlines()) == 1
    code, rows, _ = _reproduce(
        capsys, "--key", str(public), "--image", str(own_files["image"]),
        "--factory-image", str(own_files["factory"]),
    )  # fmt: skip
    assert code == 0 and rows[2]["update_booted"] and rows[2]["signature_checked"]


def test_size_over_the_slot_is_refused_by_dfu_target(capsys) -> None:
    code, rows, _ = _reproduce(capsys, "--size", "0x80000")
    assert code == 1
    assert {row["dfu_rc"] for row in rows} == {-27}  # -EFBIG from dfu_target_mcuboot_init
    assert all(row["size_announced"] == 0x80000 for row in rows)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--image", "/nonexistent/app.bin"], "does not exist"),
        (["--server", "http://127.0.0.1/app.bin"], "not an ftp:// URL"),
        (["--server", "ftp://127.0.0.1/"], "must name a file"),
        (["--server", "ftp://127.0.0.1:99999/a.bin"], "bad FTP URL"),
        (["--server", "ftp://u:p w@127.0.0.1/a.bin"], "firmware shell cannot pass"),
        (["--server", "ftp://u:@127.0.0.1/a.bin"], "empty password"),
        (["--server", "ftp://127.0.0.1/" + "a" * 121], "longer than the firmware's"),
        (["--listen-time", "0"], "--listen-time"),
        (["--size", "0"], "size must be at least 1"),
        (["--size", "0x100000000"], "size must be at most 0xffffffff"),
        (["--key-type", "ed25519", "--key", "KEY"], "not ed25519"),
    ],
)
def test_bad_input_is_one_line_exit_2(capsys, argv, message, update_kit: UpdateKit) -> None:
    argv = [str(update_kit.key_path) if word == "KEY" else word for word in argv]
    code, rows, err = _reproduce(capsys, *argv)
    assert code == 2 and not rows
    assert message in err and len(err.strip().splitlines()) == 1, err
    assert "Traceback" not in err


def test_version_is_the_package_version(capsys) -> None:
    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0
    version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    assert capsys.readouterr().out.strip() == f"hil {version}"


def _modules_after(*code: str) -> set[str]:
    script = "import sys\n" + "\n".join(code) + "\nprint('MODULES', *sorted(sys.modules))"
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, check=False
    )
    return set(done.stdout.rpartition("MODULES ")[2].split())


HEAVY = ("rich", "pyftpdlib", "imgtool", "cryptography", "yaml", "hil.forensics", "hil.sim")


def test_help_imports_no_subcommand_and_none_of_their_dependencies() -> None:
    loaded = _modules_after(
        "from hil.cli import main",
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass",
    )
    assert "hil.cli" in loaded
    commands = {name for name in loaded if name.startswith("hil.commands.")}
    assert commands == set(), commands
    assert not [name for name in loaded if name.split(".")[0] in HEAVY or name.startswith(HEAVY)]


def test_one_subcommand_imports_only_its_own_module() -> None:
    loaded = _modules_after(
        "from hil.cli import main",
        "try:\n    main(['reproduce', '--help'])\nexcept SystemExit:\n    pass",
    )
    assert {n for n in loaded if n.startswith("hil.commands.")} == {
        "hil.commands.reproduce",
        "hil.commands.args",
    }
    assert not [name for name in loaded if name.split(".")[0] in HEAVY]


def test_every_registered_command_loads_with_the_listed_help() -> None:
    import argparse

    from hil.commands import COMMANDS

    assert len({command.name for command in COMMANDS}) == len(COMMANDS)
    for command in COMMANDS:
        sub = argparse.ArgumentParser().add_subparsers()
        command.load().register(sub)
        assert list(sub.choices) == [command.name]
        listed = {action.dest: action.help for action in sub._choices_actions}
        assert listed[command.name] == command.help, command.name


def test_demo_build_is_stable_and_a_foreign_cache_is_not_used(tmp_path, monkeypatch) -> None:
    from hil.layout import Layout
    from hil.reproduce import images

    layout = Layout.resolve("internal")
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "cache"))
    first = images.demo_build(layout, KeyType.ED25519)
    assert images.demo_build(layout, KeyType.ED25519) == first  # the same key and images
    monkeypatch.setattr(images.os, "getuid", lambda: 12345)  # as if the folder were not ours
    other = images.demo_build(layout, KeyType.ED25519)
    assert other.keys != first.keys  # made afresh, not read from the cache

