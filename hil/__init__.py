"""HIL suite for MCUboot updates over FTP on the nRF5340 (simulated or on a bench)."""

__version__ = "0.1.0"
