"""`aurous-mock serve`: run the mock with uvicorn and print its base URL and a working key."""

from __future__ import annotations

import argparse
import gc
import sys

import uvicorn

from .app import create_app
from .config import MockConfig
from .yamlfile import FixtureError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="aurous-mock", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="serve the mock over HTTP")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8080)
    serve.add_argument("--fixtures", metavar="DIR", help="a fixtures folder to use instead of the default one")
    serve.add_argument("--scenario", metavar="NAME", action="append", default=[],
                       help="activate a scenario of fixtures/scenarios for every call (repeatable)")
    serve.add_argument("--seed", type=int, default=0, help="seed for ids, keys and content (default 0)")
    serve.add_argument("--admin-token", metavar="T", help="require Authorization: Bearer T on /__mock")
    serve.add_argument("--log-level", default="info", choices=["critical", "error", "warning", "info", "debug"])
    serve.add_argument("--access-log", action="store_true", help="print uvicorn's access log line per request")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        app = create_app(MockConfig(scenarios=tuple(args.scenario)), fixtures=args.fixtures, seed=args.seed,
                         admin_token=args.admin_token)
    except FixtureError as error:
        print(f"aurous-mock: cannot start: {error}", file=sys.stderr)
        return 2
    mock = app.state.mock
    print(f"aurous-mock: serving the Aurous Labs API at http://{args.host}:{args.port}", flush=True)
    print(f"aurous-mock: test key (team {mock.fixtures.teams[0]['id']}): {mock.default_key}", flush=True)
    print(f"aurous-mock: admin API at http://{args.host}:{args.port}/__mock", flush=True)
    if args.scenario:
        print(f"aurous-mock: scenarios active: {', '.join(args.scenario)}", flush=True)
    # The compiled contract and fixtures live as long as the process: keep the garbage collector from
    # walking them on every full collection (long pauses once the server holds many completions).
    gc.freeze()
    # Each request leaves a few long-lived objects (a stored completion, a ledger line, a journal entry),
    # so the default young-generation threshold (700) collects every few requests for nothing.
    gc.set_threshold(50_000, 20, 20)
    uvicorn.run(app, host=args.host, port=args.port, log_level=args.log_level, access_log=args.access_log)
    return 0


if __name__ == "__main__":
    sys.exit(main())
