"""Whether the secondary slot's trailer asks MCUboot to look at the slot at all.

MCUboot validates the secondary only when ``boot_swap_type_multi`` returns an upgrade (TEST,
PERM, REVERT). From the secondary's trailer alone: a good magic is TEST (image_ok unset) or PERM
(image_ok set); an unset or bad magic is NONE, unless the primary's trailer asks for a REVERT.
"""

from __future__ import annotations

from dataclasses import dataclass

from hil.mcuboot import log
from hil.mcuboot.trailer import Flag, MagicState, SwapState, SwapType

IF_REQUESTED = "if an upgrade is requested"


def _names(state: SwapState) -> str:
    swap_type = state.swap_type
    swap_name = swap_type.name if isinstance(swap_type, SwapType) else "unknown"
    return (
        f"magic {state.magic.name}, swap_type {swap_name} (0x{int(swap_type):x}), "
        f"copy_done {Flag(state.copy_done).name} (0x{int(state.copy_done):x}), "
        f"image_ok {Flag(state.image_ok).name} (0x{int(state.image_ok):x})"
    )


def _swap_line(swap_type: SwapType) -> str:
    return log.SWAP_TYPE.format(index=0, swap_type=swap_type.label)


@dataclass(frozen=True)
class UpgradeRequest:
    """What the trailer says about the next boot; ``state`` None when it was not read."""

    state: SwapState | None

    @property
    def swap_type(self) -> SwapType | None:
        """The swap type the secondary's trailer gives on its own (None: not read)."""
        if self.state is None:
            return None
        if self.state.magic is MagicState.GOOD:
            return SwapType.PERM if self.state.image_ok is Flag.SET else SwapType.TEST
        return SwapType.NONE

    @property
    def requested(self) -> bool | None:
        """True: MCUboot validates the slot at the next boot; None: cannot be known."""
        swap_type = self.swap_type
        return None if swap_type is None else swap_type.is_upgrade

    def condition(self) -> str:
        """How a verdict on the slot applies: at the next boot, or only on a request."""
        if self.requested:
            return "at the next boot (the trailer requests an upgrade)"
        return IF_REQUESTED

    def outcome(self, ok: bool) -> str:
        """What MCUboot prints about the slot, in its own words, and when."""
        if ok:
            text = f"'{log.SWAP_MOVE_START}': the update is swapped in"
        else:
            text = (
                f"'{log.SLOT_NOT_VALID.format(slot='secondary')}', the slot is erased and the "
                "old image keeps running"
            )
        when = "at the next boot" if self.requested else "once an upgrade is requested"
        return f"{when}: {text}"

    def lines(self) -> list[str]:
        """MCUboot's own log text for the trailer, the values named, and what it means."""
        if self.state is None:
            return [
                "not read (the dump ends before the slot end): whether an upgrade is requested "
                "cannot be known from it"
            ]
        swap_type = self.swap_type
        assert swap_type is not None
        lines = [
            log.SLOT_STATE.format(area="Secondary image", state=self.state.describe()),
            f"= {_names(self.state)}",
        ]
        if swap_type.is_upgrade:
            lines.append(
                f"an upgrade is requested: '{_swap_line(swap_type)}' at the next boot, and "
                "MCUboot validates the secondary slot first"
            )
        else:
            lines.append(
                f"no upgrade requested: '{_swap_line(SwapType.NONE)}' (unless the primary's "
                "trailer asks for a revert); MCUboot does not validate the secondary slot"
            )
        return lines
