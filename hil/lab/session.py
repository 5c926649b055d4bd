"""One coordinator session per process, shared with labgrid's ``RemotePlace`` expansion.

labgrid's ``RemotePlaceManager`` opens a session when a target with a ``RemotePlace`` is
created; a second session from the same process trips the coordinator (one client per peer),
so this module opens the session through that manager and every lab call reuses it. All
calls into the session's event loop hold one lock: the console's reconnect runs in its reader
thread and must not enter the loop while the main thread is in it.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Coroutine
from typing import Any

from hil.lab.errors import LabError

log = logging.getLogger("hil.lab")

RESERVATION_POLL = 1.0  # the labgrid client's own poll interval


class LabSession:
    """The process's coordinator session: places, reservations, acquire and release."""

    _instance: LabSession | None = None
    _create_lock = threading.Lock()
    stop_waiting = threading.Event()  # set when the run ends: a waiting reservation gives up

    def __init__(self, address: str) -> None:
        from labgrid.resource.remote import RemotePlaceManager

        self.address = address
        self.lock = threading.RLock()
        self.manager = RemotePlaceManager.get()
        if self.manager.session is None:
            self.manager.env = None
            self.manager.url = address
            try:
                self.manager._start()
            except Exception as err:
                raise LabError(
                    f"cannot reach the labgrid coordinator at {address}: {err} (is "
                    "labgrid-coordinator running? set LG_COORDINATOR or the env's "
                    "coordinator_address)"
                ) from None
        self.session = self.manager.session

    @classmethod
    def get(cls, address: str) -> LabSession:
        """The session of this process, opened on first use."""
        with cls._create_lock:
            if cls._instance is None:
                cls._instance = cls(address)
            return cls._instance

    @classmethod
    def forget(cls) -> None:
        """Drop the process's session (after the coordinator went away)."""
        with cls._create_lock:
            cls._instance = None

    def run(self, coroutine: Coroutine[Any, Any, Any]) -> Any:
        with self.lock:
            return self.session.loop.run_until_complete(coroutine)

    def _rpc(self, what: str, call: Any, request: Any) -> Any:
        import grpc

        async def invoke() -> Any:
            try:
                reply = await call(request)
            except grpc.aio.AioRpcError as err:
                raise LabError(f"{what}: the coordinator said: {err.details()}") from None
            await self.session.sync_with_coordinator()
            return reply

        return self.run(invoke())

    def sync(self) -> None:
        self.run(self.session.sync_with_coordinator())

    def refresh_resources(self) -> None:
        """Bring the expanded places' resources up to date with the coordinator.

        labgrid's ``RemotePlaceManager.poll`` lets updates arrive by running the loop for a
        fixed 0.1 s; run from inside the loop after a sync it copies what the coordinator has
        sent so far, which is both fresher and immediate.
        """
        async def refresh() -> None:
            await self.session.sync_with_coordinator()
            self.manager.poll()

        self.run(refresh())

    def activate(self, target: Any, driver: Any) -> None:
        """``target.activate(driver)`` after a sync, without labgrid's 0.1 s per resource.

        Activation polls every resource of the target, each poll a fixed 0.1 s of loop time
        when called from outside the loop; from inside it, after a sync, each poll is a copy.
        """
        async def activate() -> None:
            await self.session.sync_with_coordinator()
            target.activate(driver)

        self.run(activate())

    @property
    def owner(self) -> str:
        return f"{self.session.gethostname()}/{self.session.getuser()}"

    def places(self) -> dict[str, Any]:
        self.sync()
        return dict(self.session.places)

    def place(self, name: str) -> Any:
        place = self.places().get(name)
        if place is None:
            raise LabError(f"no place {name!r} on the coordinator at {self.address}")
        return place

    def matching(self, tags: dict[str, str]) -> list[str]:
        """Names of the places whose tags include all of ``tags``."""
        return sorted(
            name
            for name, place in self.places().items()
            if all(place.tags.get(key) == value for key, value in tags.items())
        )

    def acquire(self, name: str) -> None:
        from labgrid.remote.generated import labgrid_coordinator_pb2 as pb2

        place = self.place(name)
        if place.acquired:
            raise LabError(
                f"place {name} is already acquired by {place.acquired}: wait for it with "
                "'labgrid-client reserve --wait name=" + name + "' or pick another place"
            )
        self._rpc(f"acquire {name}", self.session.stub.AcquirePlace,
                  pb2.AcquirePlaceRequest(placename=name))
        log.info("acquired place %s as %s", name, self.owner)

    def release(self, name: str) -> None:
        from labgrid.remote.generated import labgrid_coordinator_pb2 as pb2

        self._rpc(f"release {name}", self.session.stub.ReleasePlace,
                  pb2.ReleasePlaceRequest(placename=name))
        log.info("released place %s", name)

    def reserve(self, tags: dict[str, str], timeout: float) -> tuple[str, str]:
        """Reserve a place by tags and wait for it: ``(token, place name)``."""
        from labgrid.remote.common import Reservation, ReservationState
        from labgrid.remote.generated import labgrid_coordinator_pb2 as pb2

        fltr = pb2.Reservation.Filter(filter=tags)
        reply = self._rpc(
            "reserve", self.session.stub.CreateReservation,
            pb2.CreateReservationRequest(filters={"main": fltr}, prio=0.0),
        )
        token = Reservation.from_pb2(reply.reservation).token
        shown = " ".join(f"{k}={v}" for k, v in tags.items())
        deadline = time.monotonic() + timeout
        while True:
            polled = self._rpc("poll reservation", self.session.stub.PollReservation,
                               pb2.PollReservationRequest(token=token))
            reservation = Reservation.from_pb2(polled.reservation)
            if reservation.state is ReservationState.allocated:
                name = reservation.allocations["main"][0]
                log.info("reservation %s (%s) got place %s", token, shown, name)
                return token, name
            if reservation.state is not ReservationState.waiting:
                raise LabError(f"reservation {token} ({shown}) ended as {reservation.state.name}")
            if time.monotonic() >= deadline:
                self.cancel(token)
                raise LabError(
                    f"no place tagged {shown} became free within {timeout:g} s: run fewer "
                    "workers than places, or raise --hw-lock-timeout"
                )
            if self.stop_waiting.wait(RESERVATION_POLL):
                self.cancel(token)
                raise LabError(f"the run ended while waiting for a place tagged {shown}")

    def cancel(self, token: str) -> None:
        from labgrid.remote.generated import labgrid_coordinator_pb2 as pb2

        with contextlib.suppress(LabError):
            self._rpc("cancel reservation", self.session.stub.CancelReservation,
                      pb2.CancelReservationRequest(token=token))

    def create_place(self, name: str, pattern: str, tags: dict[str, str]) -> None:
        """Create (or complete) a place matching ``pattern`` with ``tags``; idempotent."""
        from labgrid.remote.generated import labgrid_coordinator_pb2 as pb2

        places = self.places()
        if name not in places:
            self._rpc(f"create place {name}", self.session.stub.AddPlace,
                      pb2.AddPlaceRequest(name=name))
            places = self.places()
        if not any(match.exporter + "/" + match.group + "/" + match.cls == pattern
                   for match in places[name].matches):
            self._rpc(f"add match {pattern}", self.session.stub.AddPlaceMatch,
                      pb2.AddPlaceMatchRequest(placename=name, pattern=pattern))
        self._rpc(f"set tags of {name}", self.session.stub.SetPlaceTags,
                  pb2.SetPlaceTagsRequest(placename=name, tags=tags))

    def exporter_groups(self, exporter: str) -> set[str]:
        """Resource groups the exporter ``exporter`` has published."""
        self.sync()
        return set(self.session.resources.get(exporter, {}))
