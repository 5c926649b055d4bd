"""This process's place: reserved or given, acquired, expanded into a labgrid target.

Built once per process (per pytest-xdist worker) on the first lab DUT; every test then checks
that the place still has its resources, borrows the shared console and uses the driver.
"""

from __future__ import annotations

import logging
import os
from typing import Any

from hil.lab.errors import LabError, PlaceGone
from hil.lab.labconfig import DEFAULT_COORDINATOR
from hil.lab.labconsole import SharedConsole
from hil.lab.session import LabSession
from hil.lab.settings import LabSettings
from hil.probe import ProbeUnavailable

log = logging.getLogger("hil.lab")

CONSOLE_CLS = "NetworkSerialPort"


def _environment(settings: LabSettings) -> Any:
    from labgrid import Environment
    from labgrid.exceptions import NoConfigFoundError

    try:
        return Environment(config_file=str(settings.env_file))
    except NoConfigFoundError:
        raise LabError(f"--lg-env: {settings.env_file} not found") from None
    except Exception as err:  # labgrid's InvalidConfigError, YAML errors
        raise LabError(f"--lg-env {settings.env_file}: {err}") from None


def coordinator_address(env: Any) -> str:
    default = os.environ.get("LG_COORDINATOR", DEFAULT_COORDINATOR)
    return str(env.config.get_option("coordinator_address", default))


class LabTarget:
    """A place held by this process, with its driver and console."""

    def __init__(self, settings: LabSettings) -> None:
        self.settings = settings
        self.token: str | None = None
        self.acquired_here = False
        self.gone: str | None = None
        env = _environment(settings)
        self.session = LabSession.get(coordinator_address(env))
        if settings.reserve:
            self.token, name = self.session.reserve(settings.reserve, settings.wait_timeout)
            try:
                self.session.acquire(name)
            except BaseException:
                self.session.cancel(self.token)
                raise
            self.acquired_here = True
            os.environ["LG_PLACE"] = name
            env = _environment(settings)
        self.env = env
        try:
            self.target = self._expand()
            self.driver = self._driver()
            self.console = SharedConsole(self.place, self.console_url).start()
        except BaseException:
            self.close()
            raise

    def _expand(self) -> Any:
        try:
            target = self.env.get_target("main")
        except Exception as err:
            hint = ""
            if "is not acquired" in str(err):
                hint = (
                    " (acquire it first: labgrid-client -p PLACE acquire, or let the run "
                    "reserve one with --lg-reserve; a restarted coordinator drops every "
                    "acquisition)"
                )
            where = f"labgrid target 'main' of {self.settings.env_file}"
            raise LabError(f"{where}: {err}{hint}") from None
        if target is None:
            raise LabError(f"{self.settings.env_file}: no target 'main'")
        remote = next((r for r in target.resources if type(r).__name__ == "RemotePlace"), None)
        if remote is None:
            raise LabError(f"{self.settings.env_file}: target 'main' has no RemotePlace")
        try:  # "+" (with LG_TOKEN) names the place of a reservation
            self.place: str = self.session.session.get_place(remote.name).name
        except Exception:
            self.place = remote.name
        self.tags: dict[str, str] = dict(remote.tags or {})
        return target

    def _driver(self) -> Any:
        from hil.lab.driver import NrfDkDriver

        self.check()
        try:
            driver = self.target.get_driver("NrfDkDriver", activate=False)
        except Exception:  # not in the env file: bind one to the place's probe
            driver = NrfDkDriver(self.target, None)
        self.session.activate(self.target, driver)
        return driver

    # -- the place's state ----------------------------------------------------------------

    def _poll(self) -> None:
        with self.session.lock:
            try:
                self.session.refresh_resources()
            except KeyError as err:  # labgrid: an entry without 'params' once its exporter left
                self.gone = (
                    f"place {self.place}: the place's resources are gone (their exporter "
                    f"stopped or lost the coordinator; missing {err}): restart the exporter, "
                    "then run again"
                )
        if self.gone:
            raise PlaceGone(self.gone)

    def check(self) -> None:
        """PlaceGone when the resources left; ProbeUnavailable when one is not plugged in."""
        self._poll()
        for resource in self.target.resources:
            if type(resource).__name__ == "RemotePlace":
                continue
            if not resource.avail:
                what = f"{type(resource).__name__} '{resource.name}'"
                if "Debugger" in what or "Probe" in what:
                    raise ProbeUnavailable(
                        f"place {self.place}: {what} is not attached to its exporter "
                        "(J-Link unplugged or DK switched off)"
                    )
                raise PlaceGone(f"place {self.place}: {what} is not available on its exporter")

    def console_url(self) -> str:
        self._poll()
        port = self.target.get_resource(CONSOLE_CLS, wait_avail=False)
        if not port.avail or not port.port:
            raise PlaceGone(f"place {self.place}: its console ({port.name}) is not served")
        return f"rfc2217://{port.host}:{port.port}?ign_set_control"

    # -- the end ----------------------------------------------------------------------------

    def close(self) -> None:
        console = getattr(self, "console", None)
        if console is not None:
            console.close()
        target = getattr(self, "target", None)
        if target is not None:
            try:
                target.deactivate_all_drivers()
            except Exception as err:  # an agent that died on its own
                log.info("deactivating the drivers of %s: %s", self.place, err)
        if self.acquired_here:
            try:
                self.session.release(os.environ.get("LG_PLACE", ""))
            except LabError as err:
                log.warning("%s", err)
            self.acquired_here = False
        if self.token:
            self.session.cancel(self.token)
            self.token = None
