"""Everything one mock server holds, built from its config; `reset()` returns it to the fixtures."""

from __future__ import annotations

from .accounts import Accounts
from .catalog_data import Catalog
from .clock import Clock
from .config import MockConfig
from .errors import ErrorCatalog
from .fixtures import Fixtures, load_fixtures
from .generation_rules import GenerationRules
from .ids import IdFactory
from .ledger import Ledger
from .registry import HANDLERS
from .scenarios import ScenarioLibrary
from .scenarios.engine import activate_globally
from .spec import Contract
from .store import MemoryStore, Store
from .timeline import run_due
from .versions import Versions
from .webhook_scheduler import WebhookScheduler
from .yamlfile import FixtureError, load_located


class MockState:
    def __init__(self, config: MockConfig, store: Store | None = None) -> None:
        self.config = config
        self.fixtures: Fixtures = load_fixtures(config.fixtures_dir)
        self.contract = Contract.load(config.spec_path)
        self._check_contract_codes()
        self.errors = ErrorCatalog(self.fixtures.errors)
        self.versions = Versions(self.fixtures.versions)
        self.catalog = Catalog(self.fixtures)
        self.clock = Clock()
        self.ids = IdFactory(self.clock, config.seed)
        self.store: Store = store or MemoryStore(config.journal_limit)
        self.ledger = Ledger(self.store, self.clock, self.ids)
        self.accounts = Accounts(self.store, self.clock, self.ids, self.ledger, self.versions.newest)
        self.scenarios = ScenarioLibrary(config.fixtures_dir / "scenarios", self.errors, self.versions,
                                         config.scenario_check_interval)
        self._check_scenario_names()
        self.generation_rules = GenerationRules(self.fixtures.generations, config.seed)
        self.webhooks = WebhookScheduler(self, config.webhook_timeout_seconds)
        self.clock.on_advance(self._time_moved)
        self._seed_teams()
        for name in config.scenarios:
            activate_globally(self, name)

    def _time_moved(self) -> None:
        """After `POST /__mock/clock/advance`: what came due happens now, and due deliveries go out."""
        run_due(self)
        self.webhooks.wake()

    def _check_contract_codes(self) -> None:
        """Every `x-error-code` the contract names must be in the catalog, or a refusal would be a 500."""
        missing = sorted(self.contract.error_codes - set(self.fixtures.errors))
        if missing:
            where = self.fixtures.directory / "errors.yaml"
            raise FixtureError(f"{where}:1: (top level): the catalog lacks codes the contract names: "
                               f"{', '.join(missing)}")

    def _check_scenario_names(self) -> None:
        """Scenarios named by `--scenario` and by fixture teams must exist, or start-up stops."""
        known = set(self.scenarios.names())
        for name in self.config.scenarios:
            if name not in known:
                raise FixtureError(f"{self.scenarios.directory}: no scenario {name!r} (--scenario); "
                                   f"known: {', '.join(sorted(known)) or 'none'}")
        for index, team in enumerate(self.fixtures.teams):
            for position, name in enumerate(team.get("scenarios") or ()):
                if name not in known:
                    doc = load_located(self.fixtures.directory / "teams.yaml")
                    raise doc.error(["teams", index, "scenarios", position], f"no scenario {name!r} in "
                                    f"{self.scenarios.directory}")

    def _seed_teams(self) -> None:
        for team in self.fixtures.teams:
            settings = {k: v for k, v in team.items() if k not in ("id", "name", "keys")}
            self.accounts.create_team(team_id=team["id"], name=team["name"], keys=team["keys"], **settings)

    def reset(self) -> None:
        """Forget all state: teams back to the fixtures, clock offset 0, ids from the seed again, every
        scenario off (also those of `--scenario`) with its counters."""
        self.store.clear()
        self.ledger.reset()
        self.clock.reset()
        self.ids.reset()
        self._seed_teams()

    @property
    def served_operations(self) -> set[str]:
        """The contract's operations that have a handler (the rest answer 501 not_implemented)."""
        return {op for op in self.contract.operations if op in HANDLERS}

    @property
    def default_key(self) -> str:
        """The first active key of the first fixture team: what `aurous-mock serve` prints."""
        keys = self.fixtures.teams[0]["keys"]
        return next(k["key"] for k in keys if k.get("status", "active") == "active")
