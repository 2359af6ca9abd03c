"""Worlds: what two platforms hold, as neutral records, for the emulator to serve.

``files`` reads and writes world files (JSON lines); ``synthetic`` generates the demo world;
``corpus`` builds a world from the shared real data. Worlds sit beside the stages: the
collectors never read them, only the emulator serves them.
"""
