"""A local emulator of the GitHub and Hugging Face Hub APIs, on loopback, serving a world.

These machines cannot reach either platform, so the collectors are proven against this
emulator: it speaks the published contracts (GitHub REST and GraphQL, the Hub endpoints that
``huggingface_hub`` reads), paginates with ``Link`` headers, counts every request, and keeps
per-token, per-resource rate-limit budgets with the platforms' headers, and injects faults
on demand (``crossforge.emulator.faults``). A collection from the emulator must give back the
world's records; that is the end-to-end test of the collectors. ``crossforge emulate`` serves
a world file with it; ``docs/emulator.md`` describes what it serves.

It shares no code with the collectors it tests, only the records: a misreading of a contract
in a collector cannot be mirrored by the emulator. The parts:

- ``server``: the ``Emulator`` (a request's way to its answer) and its socket handler;
- ``github_routes``, ``hub_routes``: each platform's paths, routed to their answers (the
  ``Emulator``'s methods, inherited);
- ``github``, ``hub``: the answers, rendered from the world (``github.graphql``: the schema);
- ``limits``: rate-limit budgets, their headers and answers; ``paging``: pages and links;
- ``paths``: what a request's path names; ``answer``: what a route gives back;
- ``faults``: fault injection; ``apps``: GitHub Apps;
- ``world``: the records, indexed as the APIs look things up.

Example:
    >>> with Emulator.from_records(records) as emulator:          # doctest: +SKIP
    ...     collect(..., github_url=emulator.url, hub_url=emulator.url)
"""

from crossforge.emulator.apps import GitHubApps
from crossforge.emulator.faults import Fault, Faults
from crossforge.emulator.limits import Charge
from crossforge.emulator.paging import HUB_LISTING_PAGE, HUB_PAGE
from crossforge.emulator.server import Emulator
from crossforge.emulator.world import World

__all__ = ["HUB_LISTING_PAGE", "HUB_PAGE", "Charge", "Emulator", "Fault", "Faults",
           "GitHubApps", "World"]
