"""Who may see what: users and roles (store.py), the role policy (policy.py), the append-only
audit log (audit.py) and their place in the web app (web.py: login, page and callback guard).

Roles: leadership, planner, budget, inspector, auditor, admin, plus the public view without
login, which shows only the disclosure. Personal data stay masked (dashboard/privacy.py) except
for an inspector on a case of the institution (an assignment), and every unmasked view and every
export is written to the audit log.
"""
