"""The error type for problems a user can fix: one line, naming the problem."""


class HilError(Exception):
    """A user-facing failure whose message is a single line that says what is wrong."""

    def __init__(self, message: str) -> None:
        super().__init__(" ".join(message.split()))
