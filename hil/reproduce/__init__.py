"""``hil reproduce``: the update over FTP on the simulated DK, in every client mode."""
