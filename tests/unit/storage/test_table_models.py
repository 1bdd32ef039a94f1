"""Each service's table model carries its engine dataclass's fields by name: the repository copies them by
name (bot/storage/repository.py), so a field without its column would only fail when an account is saved."""
from __future__ import annotations

import pytest
from sqlalchemy import inspect

from bot.engine.contracts import contract_types, record_fields
from bot.engine.services import SERVICES, Service
from bot.storage import models


def test_every_service_has_its_contract_dataclass_and_table_model():
    assert list(contract_types()) == [s.key for s in SERVICES]
    assert {models.contract_model(s.key) for s in SERVICES} == set(models.contract_models())
    assert all(cls.service == key for key, cls in contract_types().items())


def _columns_and_children(model: type) -> tuple[set[str], dict[str, type]]:
    mapper = inspect(model)
    return {c.key for c in mapper.column_attrs}, {r.key: r.mapper.class_ for r in mapper.relationships}


@pytest.mark.parametrize("service", list(Service))
def test_table_model_has_a_column_or_child_table_per_dataclass_field(service):
    pending = [(contract_types()[service], models.contract_model(service))]
    while pending:
        record, model = pending.pop()
        columns, children = _columns_and_children(model)
        for f in record_fields(record):
            if f.many:
                assert f.name in children, (model.__name__, f.name)
                pending.append((f.kind, children[f.name]))
            else:
                assert f.name in columns, (model.__name__, f.name)
                nullable = model.__table__.columns[f.name].nullable if f.name in model.__table__.columns else None
                assert nullable in (None, f.optional), (model.__name__, f.name, "nullable")
