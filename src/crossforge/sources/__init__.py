"""Sources turn one platform's data (an API, a dump, a local clone) into neutral records.

Sources never touch the store; ``crossforge.api`` hands their records to it.
"""
