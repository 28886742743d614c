"""The pages for people: sign-in, the case work, server-rendered in the GOV.UK Design System's
style. Thin, like api/: a handler parses, calls one service, renders one template; the policy,
the rules and the SQL are below it. Mounted by the composition root (api/app.py)."""
