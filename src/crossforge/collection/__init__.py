"""Collection: drives the sources into the store.

``collector`` runs checkpointed collection (the driver), with one plan per platform
(``github_plan``, ``hub_plan``); ``frames`` draws the sampling frames from a population
(lists, Hub listings, random ids, ``github_search`` windows, ``gharchive`` dumps, earlier
frames) with a ``design``. This face imports nothing, so a caller that needs one small piece
does not pay for the HTTP stack.
"""
