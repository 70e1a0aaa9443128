"""Locust users that click through the dashboard the way Dash's renderer does in a browser.

    locust -f scripts/locustfile.py --host http://127.0.0.1:8050 --headless -u 50 -r 10 -t 3m
    python scripts/loadtest.py --warehouse FILE     # starts gunicorn, runs these users, prints the table

Each user is one browser session: it logs in (accounts from
YIBAO_LOADTEST_ACCOUNTS="name:password,…", or set by scripts/loadtest.py), loads the app shell
(the HTML page and the scripts and styles it names), /_dash-layout and /_dash-dependencies, and
then clicks through the pages its navigation offers, in a shuffled order, one page per task:

1. navigate: the page router callback, then every callback the new page fires on load, in the
   renderer's order (a callback waits while an input of it is still to be written by a running
   or pending callback; independent callbacks run concurrently), each response written into the
   client-side layout and the callbacks it triggers queued, until the page is quiet;
2. think, then change one filter (a dropdown, radio, checklist, tab or slider that is an input of
   a server callback) to another of its values, and run the callbacks that triggers the same way;
3. now and then (DOWNLOAD_SHARE of the visits) click a table's CSV or Excel download.

The payloads are built from /_dash-dependencies and the layout values the user holds, exactly as
the renderer builds them (output, outputs, inputs, state, changedPropIds); clientside callbacks
run in the browser and are skipped. A request fails when its status is not 2xx or when a
response puts a "…-unavailable" message (the page's "warehouse cannot be read" notice) or the
router's 404 page on screen. Every request carries context {"page": path, "step": …} for the
statistics of scripts/loadtest.py.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
import time
from dataclasses import dataclass, field

import gevent
import gevent.pool
from locust import between, task
from locust.contrib.fasthttp import FastHttpUser

WILDCARDS = ("MATCH", "ALL", "ALLSMALLER")
ROUTER_OUTPUT = "_pages_content"
VIEW = "VIEW"  # request_type of the user-level timings (opening a page, a filter change): not HTTP requests
DOWNLOAD_SHARE = 0.25
FILTER_TYPES = {"Dropdown", "RadioItems", "Checklist", "Tabs", "Slider"}
ASSET = re.compile(r'<(?:script|link)[^>]*?(?:src|href)="(/[^"]+)"')
CONFIG = re.compile(r'<script id="_dash-config" type="application/json">(.*?)</script>', re.S)


# ---------------------------------------------------------------- ids, specs and the layout

def id_key(component_id) -> str:
    """The renderer's string form of an id: the id itself, or its JSON with sorted keys."""
    if isinstance(component_id, dict):
        return json.dumps(component_id, sort_keys=True, separators=(",", ":"))
    return str(component_id)


def parse_id(text: str):
    return json.loads(text) if text.startswith("{") else text


def is_component(value) -> bool:
    return isinstance(value, dict) and "props" in value and "type" in value and "namespace" in value


def walk(value):
    """Every component in a layout value (a component, a list, anything else), in document order."""
    if is_component(value):
        yield value
        for prop in value["props"].values():
            yield from walk(prop)
    elif isinstance(value, list):
        for item in value:
            if is_component(item) or isinstance(item, list):
                yield from walk(item)


def walk_outside(value, skip_id: str):
    """Like walk, without the subtree of the component whose id is skip_id."""
    if is_component(value):
        yield value
        if value["props"].get("id") == skip_id:
            return
        for prop in value["props"].values():
            yield from walk_outside(prop, skip_id)
    elif isinstance(value, list):
        for item in value:
            yield from walk_outside(item, skip_id)


def holds_components(value) -> bool:
    return next(walk(value), None) is not None


@dataclass(frozen=True)
class Spec:
    """One output, input or state of a callback: an id (maybe with wildcards) and a property."""
    id: object
    prop: str

    @property
    def wildcards(self) -> dict:
        return {k: v[0] for k, v in self.id.items() if isinstance(v, list)} if isinstance(self.id, dict) else {}

    def match(self, component_id) -> dict | None:
        """The MATCH values under which `component_id` is this spec's id, or None."""
        if not isinstance(self.id, dict):
            return {} if component_id == self.id else None
        if not isinstance(component_id, dict) or component_id.keys() != self.id.keys():
            return None
        found = {}
        for key, want in self.id.items():
            if isinstance(want, list):
                if want[0] == "MATCH":
                    found[key] = component_id[key]
            elif component_id[key] != want:
                return None
        return found


@dataclass
class Callback:
    """One entry of /_dash-dependencies."""
    output: str
    outputs: list[Spec]
    inputs: list[Spec]
    state: list[Spec]
    prevent_initial_call: bool
    clientside: bool

    @classmethod
    def from_dependency(cls, dep: dict) -> Callback:
        return cls(
            output=dep["output"],
            outputs=[Spec(parse_id(i), p) for i, p in split_output(dep["output"])],
            inputs=[Spec(parse_id(i["id"]), i["property"]) for i in dep["inputs"]],
            state=[Spec(parse_id(i["id"]), i["property"]) for i in dep.get("state", [])],
            prevent_initial_call=bool(dep.get("prevent_initial_call")),
            clientside=bool(dep.get("clientside_function")),
        )

    @property
    def multi(self) -> bool:
        return self.output.startswith("..")


def split_output(output: str) -> list[tuple[str, str]]:
    """'..a.children...b.figure..' or 'a.value@hash' → [(id text, property), …]."""
    parts = output[2:-2].split("...") if output.startswith("..") else [output]
    return [tuple(part.rsplit(".", 1)) for part in parts]


class Layout:
    """The client-side layout: every component with an id, by its id key, props updated in place."""

    def __init__(self, root: dict):
        self.components: dict[str, dict] = {}
        self.add(root)

    def add(self, value) -> list[str]:
        added = []
        for component in walk(value):
            component_id = component["props"].get("id")
            if component_id is not None:
                key = id_key(component_id)
                self.components[key] = component
                added.append(key)
                mount(component)
        return added

    def remove(self, value) -> None:
        for component in walk(value):
            if component["props"].get("id") is not None:
                self.components.pop(id_key(component["props"]["id"]), None)

    def has(self, component_id, prop: str) -> bool:
        component = self.components.get(id_key(component_id))
        return component is not None and prop in component["props"]

    def get(self, component_id, prop: str):
        component = self.components.get(id_key(component_id))
        return None if component is None else component["props"].get(prop)

    def set(self, component_id, prop: str, value) -> list[str]:
        """Write a prop; returns the id keys of components it brought into the layout."""
        component = self.components.get(id_key(component_id))
        if component is None:
            return []
        old = component["props"].get(prop)
        if holds_components(old):
            self.remove(old)
        component["props"][prop] = value
        if component["type"] == "DataTable" and prop == "data":
            mount(component)
        return self.add(value) if holds_components(value) else []

    def ids_matching(self, spec: Spec, match: dict) -> list:
        """Ids in the layout that the spec's id matches, with MATCH fixed to `match`."""
        found = []
        for component in self.components.values():
            component_id = component["props"]["id"]
            got = spec.match(component_id)
            if got is not None and all(got.get(k) == v for k, v in match.items() if k in got):
                found.append(component_id)
        return found


def mount(component: dict) -> None:
    """Props a component sets on itself in the browser that callbacks read as state."""
    props = component["props"]
    if component["type"] == "DataTable":
        data = props.get("data") or []
        props["derived_virtual_data"] = data
        props["derived_viewport_data"] = data[: props.get("page_size", 250)]


# ---------------------------------------------------------------- the renderer

@dataclass
class Pending:
    callback: Callback
    match: dict
    changed: list[str] = field(default_factory=list)

    @property
    def key(self) -> tuple:
        return self.callback.output, tuple(sorted(self.match.items()))


class Renderer:
    """What dash-renderer does with the network, for one session: holds the layout, builds each
    callback's payload, writes the responses back and queues the callbacks they trigger."""

    def __init__(self, user: DashboardUser, dependencies: list[dict], layout: dict, end_id: str | None):
        self.user = user
        self.callbacks = [Callback.from_dependency(d) for d in dependencies]
        self.server_callbacks = [c for c in self.callbacks if not c.clientside]
        self.root = layout
        self.layout = Layout(layout)
        self.url = end_id and f"/_dash-update-component?endId={end_id}" or "/_dash-update-component"
        self.page = "shell"
        self.written: list[tuple[str | None, str, object]] = []

    # ---- resolving a callback against the layout

    def concrete(self, spec: Spec, match: dict):
        """The concrete id (or list of ids for ALL / ALLSMALLER) the spec stands for now."""
        if not spec.wildcards:
            return spec.id
        if all(v == "MATCH" for v in spec.wildcards.values()):
            return {k: (match[k] if isinstance(v, list) else v) for k, v in spec.id.items()}
        return self.layout.ids_matching(spec, match)

    def item(self, component_id, prop: str, with_value: bool) -> dict:
        entry = {"id": component_id, "property": prop.split("@")[0]}
        if with_value and self.layout.has(component_id, prop):
            entry["value"] = self.layout.get(component_id, prop)
        return entry

    def resolve(self, spec: Spec, match: dict, with_value: bool = True):
        target = self.concrete(spec, match)
        if isinstance(target, list):
            return [self.item(i, spec.prop, with_value) for i in target]
        return self.item(target, spec.prop, with_value)

    def _keys(self, specs: list[Spec], match: dict) -> set[str]:
        """'<id>.<prop>' of every component the specs name (the @hash of an output dropped)."""
        keys = set()
        for spec in specs:
            target = self.concrete(spec, match)
            for component_id in target if isinstance(target, list) else [target]:
                keys.add(f"{id_key(component_id)}.{spec.prop.split('@')[0]}")
        return keys

    def output_keys(self, pending: Pending) -> set[str]:
        return self._keys(pending.callback.outputs, pending.match)

    def input_keys(self, pending: Pending) -> set[str]:
        return self._keys(pending.callback.inputs, pending.match)

    def payload(self, pending: Pending) -> dict:
        cb, match = pending.callback, pending.match
        outputs = [self.resolve(s, match, with_value=False) for s in cb.outputs]
        body = {
            "output": cb.output,
            "outputs": outputs if cb.multi else outputs[0],
            "inputs": [self.resolve(s, match) for s in cb.inputs],
            "changedPropIds": list(pending.changed),
            "parsedChangedPropsIds": list(pending.changed),
        }
        if cb.state:
            body["state"] = [self.resolve(s, match) for s in cb.state]
        return body

    # ---- what triggers what

    def triggered_by(self, component_id, prop: str) -> list[Pending]:
        """The server callbacks with this prop of this component as an input."""
        found = []
        for cb in self.server_callbacks:
            for spec in cb.inputs:
                if spec.prop != prop:
                    continue
                match = spec.match(component_id)
                if match is not None:
                    found.append(Pending(cb, match, [f"{id_key(component_id)}.{prop}"]))
                    break
        return found

    def initial_callbacks(self, added: list[str]) -> list[Pending]:
        """Callbacks a new layout chunk fires: not prevent_initial_call, an output in the chunk,
        and at least one input in the layout (the renderer drops those with every input missing)."""
        chunk = set(added)
        found = []
        for cb in self.server_callbacks:
            if cb.prevent_initial_call:
                continue
            matches = [{}]
            if any(v == "MATCH" for s in cb.outputs for v in s.wildcards.values()):
                matches = [m for key in chunk for s in cb.outputs
                           if (m := s.match(parse_id(key))) is not None and m]
            for match in matches:
                pending = Pending(cb, match)
                if not {k.rsplit(".", 1)[0] for k in self.output_keys(pending)} & chunk:
                    continue
                present = [k for k in self.input_keys(pending)
                           if self.layout.has(parse_id(k.rsplit(".", 1)[0]), k.rsplit(".", 1)[1])]
                if present or any(s.wildcards.get(k) == "ALL" for s in cb.inputs for k in s.wildcards):
                    found.append(pending)
        return found

    def downstream(self, pending: Pending, seen: set | None = None) -> set[str]:
        """Every prop this callback may write, directly or through the callbacks it triggers."""
        seen = set() if seen is None else seen
        if pending.key in seen:
            return set()
        seen.add(pending.key)
        keys = self.output_keys(pending)
        for key in list(keys):
            component_id, prop = key.rsplit(".", 1)
            for nxt in self.triggered_by(parse_id(component_id), prop):
                keys |= self.downstream(nxt, seen)
        return keys

    def ready(self, pending: Pending, others: list[Pending]) -> bool:
        waits_on = set()
        for other in others:
            if other.key != pending.key:
                waits_on |= self.downstream(other)
        return not ((self.input_keys(pending) - self.output_keys(pending)) & waits_on)

    # ---- running

    def run(self, queue: list[Pending], step: str) -> bool:
        """Run the queued callbacks and everything they trigger until the page is quiet, and
        report the time that took as one VIEW event; True when every request succeeded."""
        started = time.perf_counter()
        failed = 0
        pending: dict[tuple, Pending] = {}
        for p in queue:
            self.enqueue(pending, p)
        running: dict[gevent.Greenlet, Pending] = {}
        group = gevent.pool.Group()
        try:
            while pending or running:
                busy = list(pending.values()) + list(running.values())
                ready = [p for p in pending.values() if self.ready(p, busy)]
                if not ready and not running:      # a cycle: the renderer would run the first
                    ready = [next(iter(pending.values()))]
                for p in ready:
                    del pending[p.key]
                    running[group.spawn(self.post, p, step)] = p
                done = gevent.wait(list(running), count=1)
                for greenlet in done:
                    source = running.pop(greenlet)
                    failed += greenlet.value is None
                    for p in self.apply(greenlet.value or {}, source):
                        self.enqueue(pending, p)
        finally:
            group.kill()
        self.user.view(self.page, step, time.perf_counter() - started, failed)
        return not failed

    @staticmethod
    def enqueue(pending: dict, p: Pending) -> None:
        if p.key in pending:
            pending[p.key].changed += [c for c in p.changed if c not in pending[p.key].changed]
        else:
            pending[p.key] = p

    def post(self, pending: Pending, step: str) -> dict | None:
        name = f"{self.page} · {pending.callback.output.split('@')[0][:60]}"
        return self.user.request("POST", self.url, name, self.page, step, json_body=self.payload(pending))

    def apply(self, response: dict, source: Pending | None = None) -> list[Pending]:
        """Write a callback response into the layout; the callbacks it triggers (a callback
        writing one of its own inputs does not trigger itself)."""
        triggered: list[Pending] = []
        updates = dict(response.get("response") or {})
        for key, props in (response.get("sideUpdate") or {}).items():
            updates.setdefault(key, {}).update(props)
        for key, props in updates.items():
            component_id = parse_id(key)
            for prop, value in props.items():
                component = self.layout.components.get(id_key(component_id))
                self.written.append((component and component["type"], prop, value))
                added = self.layout.set(component_id, prop, value)
                triggered += [p for p in self.triggered_by(component_id, prop)
                              if source is None or p.key != source.key]
                if added:
                    triggered += self.initial_callbacks(added)
        return triggered

    # ---- what a user does

    def navigate(self, path: str, search: str = "", first: bool = False) -> bool:
        """Open a page: every dcc.Location takes the new address (as after a dcc.Link click, or
        on mount for the first page), and the callbacks that triggers run."""
        self.page = path
        queue = []
        for component in list(self.layout.components.values()):
            if component["type"] != "Location":
                continue
            component_id = component["props"]["id"]
            for prop, value in (("pathname", path), ("search", search)):
                if first or self.layout.get(component_id, prop) != value:
                    self.layout.set(component_id, prop, value)
                    queue += self.triggered_by(component_id, prop)
        return self.run(queue, "load")

    def filters(self) -> list[tuple[dict, list]]:
        """(component, other values it can take) for the page's inputs a user can change."""
        inputs = {(id_key(s.id), s.prop) for cb in self.server_callbacks for s in cb.inputs if not s.wildcards}
        patterns = [s for cb in self.server_callbacks for s in cb.inputs if s.wildcards and s.prop == "value"]
        found = []
        for key, component in self.layout.components.items():
            if component["type"] not in FILTER_TYPES:
                continue
            component_id = component["props"]["id"]
            if (key, "value") not in inputs and not any(s.match(component_id) is not None for s in patterns):
                continue
            choices = [v for v in alternatives(component) if v != component["props"].get("value")]
            if choices:
                found.append((component, choices))
        return found

    def change(self, component: dict, value) -> bool:
        component_id = component["props"]["id"]
        self.layout.set(component_id, "value", value)
        return self.run(self.triggered_by(component_id, "value"), "filter")

    def downloads(self) -> list[dict]:
        """Download buttons (n_clicks inputs of a server callback) of the page's tables."""
        buttons = []
        for component in self.layout.components.values():
            component_id = component["props"]["id"]
            if (component["type"] == "Button" and isinstance(component_id, dict)
                    and str(component_id.get("type", "")).startswith("download-")):
                buttons.append(component)
        return buttons

    def click(self, component: dict) -> bool:
        """Click a download button; True when a dcc.Download received a named, non-empty file."""
        component_id = component["props"]["id"]
        clicks = (component["props"].get("n_clicks") or 0) + 1
        self.layout.set(component_id, "n_clicks", clicks)
        self.written = []
        if not self.run(self.triggered_by(component_id, "n_clicks"), "download"):
            return True  # the failed request is counted already
        return any(kind == "Download" and prop == "data" and isinstance(value, dict)
                   and value.get("filename") and value.get("content") for kind, prop, value in self.written)


def alternatives(component: dict) -> list:
    """The values a filter component can be set to."""
    props = component["props"]
    if component["type"] == "Tabs":
        return [tab["props"].get("value") for tab in walk(props.get("children")) if tab["type"] == "Tab"]
    if component["type"] == "Slider":
        if props.get("marks"):
            return [float(v) if "." in str(v) else int(v) for v in props["marks"]]
        low, high, step = props.get("min"), props.get("max"), props.get("step") or 1
        if low is None or high is None:
            return []
        n = int(round((high - low) / step))
        return [round(low + i * step, 10) for i in range(n + 1)][:: max(1, n // 10)]
    options = props.get("options") or []
    values = [o.get("value") if isinstance(o, dict) else o for o in options]
    values = [v for v in values if isinstance(v, (str, int, float, bool))]
    if component["type"] == "Checklist" or props.get("multi"):
        current = list(props.get("value") or [])
        return [[v for v in current if v != x] if x in current else current + [x] for x in values]
    return values


# ---------------------------------------------------------------- the locust user

def accounts_from_env() -> list[tuple[str, str]]:
    text = os.environ.get("YIBAO_LOADTEST_ACCOUNTS", "")
    return [tuple(pair.split(":", 1)) for pair in text.split(",") if ":" in pair]


class DashboardUser(FastHttpUser):
    """One person in a browser, clicking through the pages of their navigation."""

    wait_time = between(5, 15)
    accounts: list[tuple[str, str]] = accounts_from_env()
    download_share = DOWNLOAD_SHARE
    seed: int | None = None
    page_names: dict[str, str] = {}  # path → the navigation's label, filled in by the users
    seen: dict[str, dict[str, bool]] = {}  # path → whether it showed filters / download buttons
    _numbers = itertools.count()

    def on_start(self) -> None:
        self.number = next(self._numbers)
        self.rng = random.Random(None if self.seed is None else self.seed + self.number)
        self.renderer: Renderer | None = None
        self.tour: list[str] = []
        self.tours = 0
        html = self.sign_in()
        if html is not None:
            self.open_app(html)

    # ---- HTTP with the statistics' context

    def request(self, method: str, url: str, name: str, page: str, step: str, json_body=None,
                data=None, expect_json: bool = True):
        """Send one request; failures are non-2xx answers and error messages on screen. Returns
        the parsed JSON (or the response when expect_json is False), None on failure."""
        with self.client.request(method, url, name=name, json=json_body, data=data, catch_response=True,
                                 context={"page": page, "step": step}) as response:
            if response.status_code is None or response.status_code == 0:
                response.failure(f"no answer: {getattr(response, 'error', '')}")
                return None
            if not 200 <= response.status_code < 300:
                response.failure(f"HTTP {response.status_code}: {(response.text or '')[:200]}")
                return None
            if not expect_json:
                response.success()
                return response
            if response.status_code == 204:          # every output no_update: nothing to write
                response.success()
                return {}
            try:
                body = json.loads(response.content)
            except ValueError:
                response.failure("not JSON")
                return None
            problem = on_screen_problem(body)
            if problem:
                response.failure(problem)
                return None
            response.success()
            return body

    # ---- the session

    def sign_in(self) -> str | None:
        """The login form, then the HTML of the first page the login opens."""
        form = self.request("GET", "/login", "登录 · GET /login", "shell", "shell", expect_json=False)
        if form is None:
            return None
        if 'id="auth-form"' not in (form.text or ""):
            self.request_failure("登录 · GET /login", "/login shows no login form")
            return None
        if not self.accounts:
            self.request_failure("登录 · POST /login", "no login accounts given "
                                 "(YIBAO_LOADTEST_ACCOUNTS or scripts/loadtest.py)")
            return None
        username, password = self.accounts[self.number % len(self.accounts)]
        answer = self.request("POST", "/login", "登录 · POST /login", "shell", "shell",
                              data={"username": username, "password": password}, expect_json=False)
        if answer is None:
            return None
        html = answer.text or ""
        if 'id="auth-form"' in html or "_dash-config" not in html:  # still a form: refused or password change
            self.request_failure("登录 · POST /login", f"login of {username} did not open the dashboard")
            return None
        return html

    def request_failure(self, name: str, message: str, page: str = "shell", step: str = "shell") -> None:
        """A failed check that is no HTTP status (counted with the requests, as an error)."""
        self.environment.events.request.fire(
            request_type="CHECK", name=name, response_time=0, response_length=0,
            exception=AssertionError(message), context={"page": page, "step": step})

    def view(self, page: str, step: str, seconds: float, failed: int) -> None:
        """The time a user waited for a page to open or a filter change to draw."""
        self.environment.events.request.fire(
            request_type=VIEW, name=f"{page} · {step}", response_time=seconds * 1000, response_length=0,
            exception=AssertionError(f"{failed} requests failed") if failed else None,
            context={"page": page, "step": step})

    def open_app(self, html: str) -> None:
        """What a browser fetches after the first page's HTML: the scripts and styles it names,
        layout and dependencies; then it opens the first page of the navigation (where a login
        lands, too)."""
        for asset in dict.fromkeys(ASSET.findall(html)):
            self.request("GET", asset, "应用外壳 · 脚本与样式", "shell", "shell", expect_json=False)
        config = CONFIG.search(html)
        end_id = json.loads(config.group(1)).get("end_id") if config else None
        layout = self.request("GET", "/_dash-layout", "应用外壳 · _dash-layout", "shell", "shell")
        dependencies = self.request("GET", "/_dash-dependencies", "应用外壳 · _dash-dependencies", "shell", "shell")
        if layout is None or dependencies is None:
            return
        self.renderer = Renderer(self, dependencies, layout, end_id)
        pages = self.pages()
        if not pages:
            self.request_failure("应用外壳 · 导航", "the navigation lists no page")
            self.renderer = None
            return
        self.renderer.navigate(pages[0], first=True)

    def pages(self) -> list[str]:
        """The paths of the navigation's links (the shell outside the page content), in order."""
        links = {}
        for component in walk_outside(self.renderer.root, ROUTER_OUTPUT):
            href = component["props"].get("href")
            if component["type"] == "Link" and isinstance(href, str) and href.startswith("/"):
                label = component["props"].get("children")
                links.setdefault(href, label if isinstance(label, str) else href)
        self.page_names.update(links)
        return list(links)

    @task
    def visit_next_page(self) -> None:
        if self.renderer is None:
            self.wait()
            return
        if not self.tour:
            # the first tour starts at a page of its own per user (every page is covered early),
            # later tours are shuffled
            pages = self.pages()
            if self.tours == 0:
                shift = self.number % max(1, len(pages))
                self.tour = list(reversed(pages[shift:] + pages[:shift]))
            else:
                self.tour = self.rng.sample(pages, len(pages))
            self.tours += 1
        path = self.tour.pop()
        if not self.renderer.navigate(path):
            return
        self.wait()
        choices, buttons = self.renderer.filters(), self.renderer.downloads()
        seen = self.seen.setdefault(path, {"filters": False, "downloads": False})
        seen["filters"] |= bool(choices)
        seen["downloads"] |= bool(buttons)
        if choices:
            component, values = self.rng.choice(choices)
            self.renderer.change(component, self.rng.choice(values))
        if buttons and self.rng.random() < self.download_share:
            self.wait()
            button = self.rng.choice(buttons)
            if not self.renderer.click(button):
                self.request_failure(f"{path} · 下载", f"no file from {button['props']['id']}", path, "download")


def on_screen_problem(body) -> str | None:
    """A notice the user would see instead of data: a page's '…-unavailable' message, or the
    router's 404 page."""
    if not isinstance(body, dict):
        return None
    for props in (body.get("response") or {}).values():
        for value in props.values():
            for component in walk(value):
                component_id = component["props"].get("id")
                if isinstance(component_id, str) and component_id.endswith("-unavailable"):
                    return f"unavailable message on screen: {str(component['props'].get('children'))[:200]}"
                if component["type"] == "H1" and component["props"].get("children") == "404 - Page not found":
                    return "router answered 404 - Page not found"
    return None
