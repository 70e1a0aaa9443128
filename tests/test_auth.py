"""Roles, login and the audit log: each role opens exactly its pages (page requests and the page
router's callback), a page's callbacks refuse other roles, patient columns are left out for roles
that may not see them, personal data (a case subject's psn_no included) are unmasked only for an inspector on the institution's case and every such view and every export is audited, the log is
append-only and tamper-evident, the first start creates an admin with a one-time password,
passwords never reach the log, and injection or traversal strings in parameters do no harm."""

from __future__ import annotations

import io
import json
import sqlite3

import pandas as pd
import pytest
from flask_login import login_user
from typer.testing import CliRunner

from dashboard.auth import audit, policy, store
from tests.browser import ROLE_PASSWORD, make_user
from tests.db import query

PAGES = sorted(policy.PAGE_ROLES)
ROUTER = ".._pages_content.children..._pages_store.data.."


@pytest.fixture
def app(demo_warehouse, monkeypatch, tmp_path):
    monkeypatch.setenv("YIBAO_WAREHOUSE", str(demo_warehouse))
    monkeypatch.setenv("YIBAO_DATA", str(tmp_path / "data"))
    from dashboard.app import create_app

    app = create_app()
    app.server.testing = True       # a server error raises in the test instead of a bare 500
    return app


def client_as(app, role: str | None):
    client = app.server.test_client()
    if role is not None:
        username = make_user(role)
        response = client.post("/login", data={"username": username, "password": ROLE_PASSWORD})
        assert response.status_code == 302, response.get_data(as_text=True)
    return client


def route(client, path: str):
    return client.post("/_dash-update-component", json={
        "output": ROUTER, "outputs": [{"id": "_pages_content", "property": "children"},
                                      {"id": "_pages_store", "property": "data"}],
        "inputs": [{"id": "_pages_location", "property": "pathname", "value": path},
                   {"id": "_pages_location", "property": "search", "value": ""}],
        "changedPropIds": ["_pages_location.pathname"]})


@pytest.mark.parametrize("role", [*policy.ROLES, None])
def test_each_role_opens_exactly_its_pages(app, role):
    client = client_as(app, role)
    name = role or policy.PUBLIC
    for path in PAGES:
        allowed = policy.can_view(name, path)
        page, routed = client.get(path), route(client, path)
        if allowed:
            assert page.status_code == 200 and routed.status_code == 200, (name, path, routed.status_code)
        elif role is None:
            assert page.status_code == 302 and routed.status_code == 403, (name, path)
        else:
            assert page.status_code == 403 and routed.status_code == 403, (name, path)
    assert policy.can_view(policy.PUBLIC, "/disclosure") and sum(policy.can_view(policy.PUBLIC, p) for p in PAGES) == 1


def test_the_navigation_lists_only_the_roles_pages(app):
    from dashboard.app import _shell

    for role in policy.ROLES:
        with app.server.test_request_context("/"):
            login_user(store.get(make_user(role, f"nav-{role}")))
            shell = _shell()
        nav = shell.children[0].children[1].children
        links = {c.href for c in nav if getattr(c, "href", None)}
        account = {c.href for c in nav[-1].children if getattr(c, "href", None)}
        assert links == {p for p in PAGES if policy.can_view(role, p)}, role
        assert account == {"/logout"}


def callback_payload(app, first_output: str) -> dict:
    """A callback request for the callback whose outputs start with `first_output`, inputs None."""
    dependencies = app.server.test_client().get("/_dash-dependencies").get_json()
    found = next(d for d in dependencies if d["output"].startswith(f"..{first_output}."))
    def output(spec: str) -> dict:      # "id.prop", a pattern id as its JSON
        component, prop = spec.rsplit(".", 1)
        return {"id": json.loads(component) if component.startswith("{") else component, "property": prop}

    return {"output": found["output"],
            "outputs": [output(o) for o in found["output"].strip(".").split("...")],
            "inputs": [{"id": i["id"], "property": i["property"], "value": None} for i in found["inputs"]],
            "changedPropIds": []}


def test_a_pages_callbacks_refuse_a_role_without_the_page(app):
    payload = callback_payload(app, "targeting-kpis")
    assert client_as(app, "planner").post("/_dash-update-component", json=payload).status_code == 403
    assert app.server.test_client().post("/_dash-update-component", json=payload).status_code == 403
    assert client_as(app, "inspector").post("/_dash-update-component", json=payload).status_code != 403


def _drill_lines(app, username: str, code: str, period: str) -> list[dict]:
    import sys

    import dash

    page = next(p for p in dash.page_registry.values() if p["path"] == "/targeting")
    targeting = sys.modules[page["module"]]     # as Dash imported it, not a second copy

    with app.server.test_request_context("/targeting"):
        login_user(store.get(username))
        return targeting._drill(code, period, targeting.ALL, targeting.ALL)[4]


def test_only_an_inspector_on_the_case_sees_personal_data_and_the_view_is_audited(app, demo_warehouse):
    code, period = query(demo_warehouse, """select fixmedins_code, period from marts.fct_inspection_case
                                            group by all order by count(*) desc limit 1""")[0]
    names = {r[0] for r in query(demo_warehouse, """select psn_name from marts.fct_inspection_case
                                                    where fixmedins_code = ? and period = ?""", [code, period])}
    on_case, off_case, leader = make_user("inspector", "insp-on"), make_user("inspector", "insp-off"), \
        make_user("leadership", "lead")
    store.assign(on_case, code)
    shown = {u: {row["psn_name"] for row in _drill_lines(app, u, code, period)} for u in (on_case, off_case)}
    assert shown[on_case] and shown[on_case] <= names, "the inspector on the case sees real names"
    assert shown[off_case] and not shown[off_case] & names and all("*" in n for n in shown[off_case])
    leader_lines = _drill_lines(app, leader, code, period)
    assert leader_lines and not set(policy.PATIENT_COLUMNS) & set(leader_lines[0]), "leadership sees no patient"
    views = audit.entries("unmask")
    assert [(v["actor"], v["detail"]["fixmedins_code"]) for v in views] == [(on_case, code)]
    with pytest.raises(store.AccountError):
        store.assign(leader, code)


def test_patient_columns_are_left_out_for_roles_that_may_not_see_them(app, demo_warehouse):
    from openpyxl import load_workbook

    from dashboard.components.table import data_table
    from dashboard.data import cases
    from dashboard.exports.cases import PATIENT_COLUMNS_NOTE, SHEET_CASES, SHEET_NOTES, case_list_xlsx

    code, period = query(demo_warehouse, "select fixmedins_code, period from marts.fct_inspection_case limit 1")[0]
    frame = pd.DataFrame({"setl_id": ["S1"], "psn_name": ["张三"], "dscg_maindiag_name": ["肺炎"]})
    headers = {"setl_id": "结算ID", "psn_name": "姓名", "dscg_maindiag_name": "诊断"}
    patient = {cases.CASE_COLUMNS_ZH[c] for c in policy.PATIENT_COLUMNS}
    for role, sees_patient in (("leadership", False), ("inspector", True)):
        with app.server.test_request_context("/targeting"):
            login_user(store.get(make_user(role, f"cols-{role}")))
            grid = data_table("t", frame, headers).children[1]
            workbook = load_workbook(io.BytesIO(case_list_xlsx(code, period)))
        shown = [c["id"] for c in grid.columns]
        assert shown == (list(headers) if sees_patient else ["setl_id"]), role
        sheet_headers = {cell.value for cell in workbook[SHEET_CASES][1]}
        assert bool(sheet_headers & patient) == sees_patient, role
        assert "结算ID" in sheet_headers and "涉嫌违规金额（元）" in sheet_headers
        notes = " ".join(str(c.value) for row in workbook[SHEET_NOTES].iter_rows() for c in row if c.value)
        assert (PATIENT_COLUMNS_NOTE in notes) != sees_patient, role
    assert policy.can_see_column("planner", "suspect_amt") and not policy.can_see_column("auditor", "certno")


def test_a_planner_cannot_open_the_enforcement_page_or_fetch_its_data(app):
    payload = callback_payload(app, "enforcement-kpis")
    planner = client_as(app, "planner")
    assert planner.get("/enforcement").status_code == 403 and route(planner, "/enforcement").status_code == 403
    assert planner.post("/_dash-update-component", json=payload).status_code == 403
    leader = client_as(app, "leadership")
    assert leader.get("/enforcement").status_code == 200 and route(leader, "/enforcement").status_code == 200
    assert leader.post("/_dash-update-component", json=payload).status_code != 403


def _institution_page(app, username: str, code: str) -> str:
    """The institution page as rendered for the user, as its JSON text."""
    import sys

    import dash
    import plotly

    page = next(p for p in dash.page_registry.values() if p["path"] == "/institution")
    institution = sys.modules[page["module"]]     # as Dash imported it, not a second copy
    with app.server.test_request_context(f"/institution?inst={code}"):
        login_user(store.get(username))
        return json.dumps(institution.layout(inst=code).to_plotly_json(), cls=plotly.utils.PlotlyJSONEncoder,
                          ensure_ascii=False)


def test_a_person_case_subjects_psn_no_is_masked_except_for_an_inspector_on_the_case(app, demo_warehouse):
    from dashboard.privacy import mask_certno

    code, psn_no = query(demo_warehouse, """select fixmedins_code, subject_code from marts.fct_enforcement_case
                                            where subject_type = '3' order by case_id limit 1""")[0]
    masked = mask_certno(pd.Series([psn_no])).iloc[0]
    leader, on_case, off_case = make_user("leadership", "lead"), make_user("inspector", "insp-on"), \
        make_user("inspector", "insp-off")
    store.assign(on_case, code)
    for username in (leader, off_case):
        shown = _institution_page(app, username, code)
        assert psn_no not in shown and masked in shown, username
    assert psn_no in _institution_page(app, on_case, code)
    views = audit.entries("unmask")
    assert [(v["actor"], v["detail"]["fixmedins_code"], v["detail"]["where"]) for v in views] == \
        [(on_case, code, "institution case history")]


def test_exports_are_audited(app, demo_warehouse, tmp_path):
    from dashboard.__main__ import app as cli

    code, period = query(demo_warehouse, "select fixmedins_code, period from marts.fct_inspection_case limit 1")[0]
    runner = CliRunner()
    assert runner.invoke(cli, ["export", "cases", "--institution", code, "--period", period,
                               "--out", str(tmp_path / "c")]).exit_code == 0
    assert runner.invoke(cli, ["export", "disclosure", "--period", "2024", "--scope", "fund", "--format", "xlsx",
                               "--out", str(tmp_path / "d")]).exit_code == 0
    kinds = [(e["detail"]["kind"], e["role"]) for e in audit.entries("export")]
    assert kinds == [("disclosure", "cli"), ("cases", "cli")]
    assert audit.verify() is None


def test_the_audit_log_is_append_only_and_tamper_evident(auth_dir):
    for i in range(3):
        audit.record("export", "someone", "leadership", kind="table", rows=i)
    con = sqlite3.connect(auth_dir / "audit.sqlite")
    for sql in ("UPDATE audit_log SET actor = 'x'", "DELETE FROM audit_log"):
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            con.execute(sql)
    assert audit.verify() is None and len(audit.entries()) == 3
    con.execute("DROP TRIGGER audit_log_no_update")       # someone with file access goes around the app
    con.execute("UPDATE audit_log SET detail = '{\"kind\": \"table\", \"rows\": 99}' WHERE seq = 2")
    con.commit()
    con.close()
    assert audit.verify() == 2


def test_auditors_read_the_log_and_admins_do_not(app):
    audit.record("export", "someone", "leadership", kind="table", rows=1)
    assert route(client_as(app, "auditor"), "/audit").status_code == 200
    assert route(client_as(app, "admin"), "/audit").status_code == 403


def test_first_start_creates_an_admin_whose_one_time_password_must_be_changed(app, auth_dir, capsys):
    from dashboard.__main__ import first_admin

    first_admin()
    printed = capsys.readouterr().out
    password = printed.split("\n")[0].rsplit("：", 1)[1].strip()
    first_admin()
    assert capsys.readouterr().out == "", "printed once"
    client = app.server.test_client()
    assert client.post("/login", data={"username": "admin", "password": password}).headers["Location"] == "/password"
    assert client.get("/status").headers["Location"] == "/password"
    assert route(client, "/status").status_code == 403
    assert client.post("/password", data={"password": "short", "confirm": "short"}).status_code == 400
    new = "a much longer secret"
    assert client.post("/password", data={"password": new, "confirm": new}).status_code == 302
    assert route(client, "/status").status_code == 200
    assert store.authenticate("admin", password) is None and store.authenticate("admin", new)
    for secret in (password, new):
        for name in ("audit.sqlite", "users.sqlite"):
            assert secret.encode() not in (auth_dir / name).read_bytes(), "no password in the files"
    assert {e["event"] for e in audit.entries()} >= {"user_admin", "login", "password_changed"}


def test_a_wrong_password_is_refused_and_audited_without_the_password(app, auth_dir):
    username = make_user("budget")
    client = app.server.test_client()
    response = client.post("/login", data={"username": username, "password": "guess-123456"})
    assert response.status_code == 401 and "用户名或密码错误" in response.get_data(as_text=True)
    failed = audit.entries("login_failed")
    assert failed and failed[0]["actor"] == username
    assert b"guess-123456" not in (auth_dir / "audit.sqlite").read_bytes()
    store.set_disabled(username, True)
    assert client.post("/login", data={"username": username, "password": ROLE_PASSWORD}).status_code == 401


def test_login_never_redirects_off_site(app):
    username = make_user("leadership")
    response = app.server.test_client().post("/login?next=//evil.example/x",
                                             data={"username": username, "password": ROLE_PASSWORD})
    assert response.headers["Location"] == "/"


INJECTIONS = ["' OR 1=1 --", "2024'; DROP TABLE marts.fct_inspection_case; --", "../../../etc/passwd",
              "..\\..\\windows", "%00", "<script>alert(1)</script>"]


@pytest.mark.parametrize("bad", INJECTIONS)
def test_injection_and_traversal_strings_in_parameters_do_nothing_harmful(app, demo_warehouse, tmp_path, bad):
    from dashboard.__main__ import app as cli
    from dashboard.data import cases, disclosure

    before = query(demo_warehouse, "select count(*) from marts.fct_inspection_case")[0][0]
    runner = CliRunner()
    for args in (["export", "cases", "--institution", bad, "--period", "2024"],
                 ["export", "cases", "--institution", "H0", "--period", bad],
                 ["export", "disclosure", "--period", bad],
                 ["export", "disclosure", "--period", "2024", "--scope", bad],
                 ["export", "disclosure", "--period", "2024", "--format", bad]):
        result = runner.invoke(cli, [*args, "--out", str(tmp_path / "out")])
        assert result.exit_code == 2 and "Traceback" not in result.output, (args, result.output)
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").rglob("*"))
    assert cases.case_lines(bad, bad).empty and disclosure.period(bad) is None
    client = client_as(app, "inspector")
    assert client.get(f"/targeting?period={bad}&inst={bad}").status_code == 200
    assert route(client, f"/targeting?period={bad}").status_code in (200, 403)
    assert query(demo_warehouse, "select count(*) from marts.fct_inspection_case")[0][0] == before
    with pytest.raises(store.AccountError):
        store.add(bad, "admin")


def test_user_management_from_the_cli(auth_dir):
    from dashboard.__main__ import app as cli

    runner = CliRunner()
    added = runner.invoke(cli, ["users", "add", "wang.li", "--role", "inspector"])
    assert added.exit_code == 0 and "一次性密码" in added.output
    assert runner.invoke(cli, ["users", "assign", "wang.li", "--institution", "H34150300114"]).exit_code == 0
    listed = runner.invoke(cli, ["users", "list"]).output
    assert "wang.li\tinspector\t待改密码\tH34150300114" in listed
    refused = runner.invoke(cli, ["users", "set-role", "wang.li", "king"])
    assert refused.exit_code == 2 and "角色" in refused.output
    assert runner.invoke(cli, ["users", "disable", "wang.li"]).exit_code == 0 and store.get("wang.li").disabled
    actions = [e["detail"]["action"] for e in audit.entries("user_admin")]
    assert actions == ["disable", "assign", "add"]
