"""Peru as a tile grid: one square per region of :mod:`yachay.reports.dimensions` (the 24
departments, Callao, and Lima split into Lima Metropolitana and Lima Provincias), placed
roughly where it lies, north at the top. A tile map shows every region at the same size,
so Tumbes is as visible as Loreto; and it needs no boundary data (whose licence would
have to allow publishing it)."""

from __future__ import annotations

from yachay.core.charts import Tile
from yachay.reports import dimensions

# region key: (row, column, abbreviation)
GRID: dict[str, tuple[int, int, str]] = {
    "24": (0, 0, "TUM"),
    "16": (0, 3, "LOR"),
    "20": (1, 0, "PIU"),
    "06": (1, 1, "CAJ"),
    "01": (1, 2, "AMA"),
    "22": (1, 3, "SAM"),
    "14": (2, 0, "LAM"),
    "13": (2, 1, "LAL"),
    "10": (2, 2, "HUC"),
    "25": (2, 3, "UCA"),
    "02": (3, 1, "ANC"),
    "19": (3, 2, "PAS"),
    "12": (3, 3, "JUN"),
    "17": (3, 4, "MDD"),
    dimensions.LIMA_PROVINCIAS: (4, 1, "LPR"),
    "09": (4, 2, "HUV"),
    "08": (4, 3, "CUS"),
    "21": (4, 4, "PUN"),
    "07": (5, 0, "CAL"),
    dimensions.LIMA_METROPOLITANA: (5, 1, "LIM"),
    "05": (5, 2, "AYA"),
    "03": (5, 3, "APU"),
    "11": (6, 2, "ICA"),
    "04": (6, 3, "ARE"),
    "18": (6, 4, "MOQ"),
    "23": (7, 4, "TAC"),
}


def peru_tiles() -> list[Tile]:
    names = dimensions.regions()
    return [Tile(key, r, c, abbr, names[key]) for key, (r, c, abbr) in GRID.items()]
