"""审计日志: the append-only audit log for auditors — logins, unmasked views, exports."""

from __future__ import annotations

import dash
import pandas as pd
from dash import html

from dashboard.auth import audit, policy
from dashboard.components.table import data_table

PAGE = "audit"
dash.register_page(__name__, path="/audit", name="审计日志", order=10, title="审计日志 · 医保基金数据集市")

COLUMNS = {"seq": "序号", "at": "时间", "actor": "用户", "role_zh": "角色", "event_zh": "事件", "detail": "内容"}
EVENT_ZH = {"login": "登录", "login_failed": "登录失败", "logout": "退出", "password_changed": "修改密码",
            "unmask": "查看未脱敏个人信息", "export": "导出", "user_admin": "用户管理"}
LIMIT = 5000


def layout(**_query) -> html.Div:
    rows = pd.DataFrame(audit.entries(limit=LIMIT), columns=[*audit.COLUMNS])
    broken = audit.verify()
    rows["role_zh"] = rows["role"].map(lambda r: policy.ROLE_ZH.get(r, r))
    rows["event_zh"] = rows["event"].map(lambda e: EVENT_ZH.get(e, e))
    rows["detail"] = rows["detail"].map(lambda d: "；".join(f"{k}={v}" for k, v in (d or {}).items()))
    status = (html.Div("审计日志完整：哈希链校验通过。", id=f"{PAGE}-chain-ok", className="note") if broken is None
              else html.Div(f"审计日志自第 {broken} 条起被改动：哈希链校验失败，请立即报告。",
                            id=f"{PAGE}-chain-broken", className="alert"))
    return html.Div([
        html.H2("审计日志"),
        html.P(f"只读、只增不改；最近 {LIMIT:,} 条，最新在前。"),
        status,
        data_table(f"{PAGE}-table", rows, COLUMNS, page_size=50),
    ])
