"""One scratch warehouse for every reconciliation module that asks for it (`mutated_warehouse`).

Each module used to build its own warehouse (the bundled reports, its mutated copies, one `dbt run`),
seven dbt runs whose cost is mostly dbt's start and the bundled reports' models. A module that
declares its copies and models as module constants

    MODELS = ["rec_x", ...]                                   # models it reads (parents are built too)
    MUTATIONS = {"my-copy-id": (bundled id, [(old, new, which)])}

and takes the fixture

    @pytest.fixture(scope="module")
    def warehouse(mutated_warehouse):
        return mutated_warehouse

reads ONE warehouse built by ONE `mutated_warehouse.build` for the session: the bundled reports plus
the copies of every such module collected in this session, and the union of their models. Copy ids
must be unique across modules (checked below). The connection is read only and shared: query it,
filter by report_id (other modules' copies are in it too), never write. A module that calls `build`
itself still gets a warehouse of its own.
"""

from __future__ import annotations

import pytest

from .mutated_warehouse import build


def _sharing_modules(session) -> list:
    modules = {id(item.module): item.module for item in session.items
               if getattr(item, "module", None) is not None and "mutated_warehouse" in getattr(item, "fixturenames", ())}
    return sorted(modules.values(), key=lambda m: m.__name__)


@pytest.fixture(scope="session")
def mutated_warehouse(request, tmp_path_factory):
    mutations: dict = {}
    owners: dict[str, str] = {}
    models: list[str] = []
    for module in _sharing_modules(request.session):
        for attribute in ("MUTATIONS", "MODELS"):
            if not hasattr(module, attribute):
                raise AttributeError(f"{module.__name__} uses mutated_warehouse but declares no {attribute}")
        for copy_id, mutation in module.MUTATIONS.items():
            if copy_id in mutations and mutations[copy_id] != mutation:
                raise ValueError(f"copy id {copy_id!r} is declared differently by {owners[copy_id]} and {module.__name__}")
            mutations[copy_id], owners[copy_id] = mutation, module.__name__
        models += [m for m in module.MODELS if m not in models]
    con = build(tmp_path_factory.mktemp("reconciliation"), mutations, models)
    yield con
    con.close()
