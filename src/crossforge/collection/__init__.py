"""Collection: drives the sources into the store.

``collector`` runs checkpointed collection plans per platform; ``sampling`` draws the sampling
frames (lists, Hub listings, random ids, search windows, GH Archive) and their designs. This
face imports nothing, so a caller that needs one small piece does not pay for the HTTP stack.
"""
