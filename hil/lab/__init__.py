"""A shared lab of nRF5340 DKs on labgrid: resources, the DK driver, places and the sim place.

Nothing here imports labgrid at import time except the modules that define labgrid classes
(``resources``, ``protocols``, ``driver``); everything else can be imported without it.
"""
