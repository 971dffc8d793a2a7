"""The demo city (Hanoi after the 2025 reform, `manage.py seed_demo`) and the benchmarks' data.

The top layer of the project: it writes into every app below it; none of them imports it. An app
package imports no models, so the API lives in its modules:

- `demo.generator`: `build_demo()`, the whole city with a year of answers (`seed_demo`);
- `demo.scope`: `demo_exists()`, `wipe_demo()`; `demo.accounts`: `demo_accounts()`;
- `demo.showcase`: what a newcomer should find on every page (open data, flags, a draft);
- `demo.synthetic`: units and responses by the million, fast, for `bench/`.
"""
