"""Column mappings from --map options and from saved files."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from cxpulse import schema
from cxpulse.errors import ConfigError, ImportRejected
from cxpulse.ingest import import_file, load_mapping, parse_map_options, read_mapping_file
from cxpulse.ingest.mapping import apply_mapping
from cxpulse.settings import Settings
from cxpulse.store import Store

from .conftest import records, write_csv


def test_parse_map_options() -> None:
    assert parse_map_options(["Note=score", " Date de réponse = responded_at "]) == {
        "Note": "score",
        "Date de réponse": "responded_at",
    }
    assert parse_map_options(["a=b=score"]) == {"a=b": "score"}
    assert parse_map_options([]) == {}


@pytest.mark.parametrize("item", ["score", "=score", "Note=", "  =  "])
def test_parse_map_options_refuses_malformed_items(item: str) -> None:
    with pytest.raises(ConfigError, match="THEIR_COLUMN=OUR_COLUMN"):
        parse_map_options([item])


def test_parse_map_options_refuses_one_column_mapped_twice() -> None:
    with pytest.raises(ConfigError, match='"Note" twice'):
        parse_map_options(["Note=score", "Note=comment"])


def test_load_flat_yaml(tmp_path: Path) -> None:
    path = tmp_path / "map.yaml"
    path.write_text("Note: score\n'Date de réponse': responded_at\n", encoding="utf-8")
    assert load_mapping(path) == {"Note": "score", "Date de réponse": "responded_at"}


def test_load_yaml_with_table(tmp_path: Path) -> None:
    path = tmp_path / "map.yml"
    path.write_text("table: orders\ncolumns:\n  Montant: amount\n", encoding="utf-8")
    assert read_mapping_file(path).table == "orders"
    assert load_mapping(path) == {"Montant": "amount"}


def test_load_json(tmp_path: Path) -> None:
    path = tmp_path / "map.json"
    path.write_text('{"table": "orders", "columns": {"Montant": "amount"}}', encoding="utf-8")
    assert load_mapping(path) == {"Montant": "amount"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("- Note\n- score\n", "a mapping file maps"),
        ("Note: [score]\n", "is not a column name mapped to a column name"),
        ("yes: score\n", "put quotes around"),
        ("Note: score\n  bad: : indent", "is not valid YAML"),
        ("table: orders\ncolumns:\n  a: amount\nother: 1\n", "unknown keys other"),
    ],
)
def test_bad_mapping_files_name_the_file(tmp_path: Path, text: str, expected: str) -> None:
    path = tmp_path / "map.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=expected) as caught:
        load_mapping(path)
    assert str(path) in str(caught.value)


def test_missing_mapping_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="nope.yaml does not exist"):
        load_mapping(tmp_path / "nope.yaml")


def test_mapping_from_a_yaml_file_in_an_import(
    store: Store, paris: Settings, tmp_path: Path
) -> None:
    mapping = tmp_path / "typeform.yaml"
    mapping.write_text(
        "ID: response_id\nType: question_type\nNote: score\nQuand: responded_at\n",
        encoding="utf-8",
    )
    path = write_csv(tmp_path / "r.csv", "ID;Type;Note;Quand;Autre\nx1;nps;8;01/06/2025;?\n")
    report = import_file(store, paris, "survey_responses", path, mapping=load_mapping(mapping))
    assert report.ignored_columns == ("Autre",)
    assert records(store, "survey_responses")[0]["score"] == 8


def _frame(*names: str) -> pd.DataFrame:
    return pd.DataFrame({n: ["x"] for n in names})


def test_mapping_errors() -> None:
    orders = schema.table("orders")
    frame = _frame("id", "when", "total")
    with pytest.raises(ConfigError, match='orders has no column "amout"'):
        apply_mapping(frame, {"total": "amout"}, orders, "o.csv")
    with pytest.raises(ConfigError, match='o.csv has no column "Total"; its columns are: "id"'):
        apply_mapping(frame, {"Total": "amount"}, orders, "o.csv")
    with pytest.raises(ConfigError, match='several columns to "amount"'):
        apply_mapping(frame, {"total": "amount", "id": "amount"}, orders, "o.csv")


def test_mapped_column_wins_over_a_same_named_one() -> None:
    orders = schema.table("orders")
    frame = _frame("order_id", "ordered_at", "amount", "total")
    mapped, ignored = apply_mapping(frame, {"total": "amount"}, orders, "o.csv")
    assert list(mapped.columns) == ["amount", "order_id", "ordered_at"]
    assert ignored == ["amount"]


def test_missing_required_columns_are_all_listed() -> None:
    with pytest.raises(ImportRejected) as caught:
        apply_mapping(_frame("id"), {}, schema.table("orders"), "o.csv")
    assert [p.column for p in caught.value.problems] == ["order_id", "ordered_at", "amount"]
    assert 'o.csv has no columns "order_id", "ordered_at", "amount", required in orders' in str(
        caught.value
    )
