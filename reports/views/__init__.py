"""The pages of the reports app, one module per surface; views only parse, call and render.

- dashboard: the unit page, its export and "recompute now" (reports.dashboards, reports.recompute);
- compare: the league table and its export;
- exports: a background export's status page and download (reports.export_jobs);
- open_data: the public rankings, their pages and CSV;
- manage_open_data, moderation: /manage/ pages (reports.manage_urls, namespace `manage`).

Access is decided by `agencies.permissions` only: every view gets its units from `visible_units`,
`manageable_units` or `administered_units` (or asks `can_*`) and answers 404 for an object outside
them (so that a unit's existence does not leak), 403 for a page the user's role never opens.
Views read through selectors and write through services (which audit).
"""
