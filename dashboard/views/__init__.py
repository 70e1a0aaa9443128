"""Sections of a page that has more than one: each module holds one section's layout,
figures, tables and callbacks; the page module in dashboard/pages/ composes them."""

from __future__ import annotations

import dash


class SectionCallbacks:
    """A section's callbacks, registered by its page module with `register()`.

    Dash executes page modules anew for every app it builds, so their `@dash.callback`s reach
    each app; a section module is imported once, so its callbacks are collected here and the
    page registers them each time it is executed.
    """

    def __init__(self) -> None:
        self._specs: list[tuple[tuple, dict, object]] = []

    def __call__(self, *args, **kwargs):
        def collect(function):
            self._specs.append((args, kwargs, function))
            return function
        return collect

    def register(self) -> None:
        for args, kwargs, function in self._specs:
            dash.callback(*args, **kwargs)(function)
