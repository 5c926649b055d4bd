"""``hil probe-agent``: the lab driver's helper on the host that has the J-Link."""

from __future__ import annotations

import argparse

from hil.commands.args import number

EPILOG = (
    "Reads one JSON request per line on stdin and answers one JSON line on stdout (see "
    "hil.lab.agent); exit code 0 at end of input. The lab's NrfDkDriver starts it."
)


def register(subparsers: argparse._SubParsersAction) -> None:
    agent = subparsers.add_parser(
        "probe-agent",
        help="drive a J-Link (or a simulated DK) for the lab driver over stdin/stdout",
        description="Open a probe with the project's backends and answer the lab driver's "
        "requests: program, erase, reset, read, recover.",
        epilog=EPILOG,
    )
    agent.add_argument("--backend", default="pynrfjprog",
                       choices=("pynrfjprog", "nrfutil", "nrfjprog", "sim"))
    agent.add_argument("--snr", type=number(1, "J-Link serial number"), default=None)
    agent.add_argument("--reset", default="pin", choices=("pin", "system"))
    agent.add_argument("--jlink-dll", default=None)
    agent.add_argument("--qspi-config", default=None)
    agent.add_argument("--ext-mem-config", default=None)
    agent.add_argument("--sim-socket", default=None, help="socket of a simulated DK (sim only)")
    agent.set_defaults(run=_run)


def _run(args: argparse.Namespace) -> int:
    from hil.lab.agent_main import run_agent

    return run_agent(args)
