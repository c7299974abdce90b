"""Demo data: the program "IA para MYPEs — Perú 2027", its open call, and synthetic applicants.

Two halves:

* ``iter_applicants`` / ``generate_applicants`` — a pure generator of plain dicts
  (no database), deterministic for a seed: the same seed and the same call dates
  give the same people, DNIs, RUCs, references and answers.
* ``demo_load`` — writes the program, its targets, tracks and call, then the
  applications in batches of one prepared INSERT, in one transaction, and
  records one ``AuditEvent`` with counts. It is the one writer that bypasses
  ``application_submit``: a demo of 100,000 applicants must load in seconds, and
  the generator is tested to respect the same rules as the form (see
  ``yachay/demo/tests/test_applicants.py``).

``demo_accounts_ensure`` creates the demo admin, a coordinator and an API key,
and keeps their plaintext secrets in ``<VAR_DIR>/demo-credentials.json``
(mode 0600), since the database only holds hashes.

The distributions and their sources are listed in ``docs/demo-data.md``.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import secrets
import tempfile
import unicodedata
from bisect import bisect
from collections.abc import Iterable, Iterator, Sequence, Set
from dataclasses import dataclass
from functools import cache
from itertools import accumulate, islice
from pathlib import Path
from random import Random
from typing import Any, TypeVar

from django.conf import settings
from django.db import connections, router, transaction
from django.db.models import ProtectedError
from django.utils import timezone
from stdnum.pe import cui, ruc

from yachay.accounts.models import ApiKey, Role, User
from yachay.accounts.services import api_key_create, api_key_lookup, user_create
from yachay.core import ubigeo
from yachay.core.actors import SYSTEM, Actor
from yachay.core.services import audit_record
from yachay.intake.models import Application
from yachay.intake.services import REFERENCE_ALPHABET
from yachay.programs.models import Call, Program, Target, Track

DEFAULT_SEED = 2027
DEFAULT_APPLICANTS = 2_000
PROGRAM_SLUG = "ia-mypes-2027"
CALL_SLUG = "ia-mypes-2027-i"
CONSENT_VERSION = "2026-1"
CREDENTIALS_FILE = "demo-credentials.json"
DEMO_API_KEY_NAME = "Socio demo (load_demo)"
ADMIN_USERNAME = "admin"
COORDINATOR_USERNAME = "coordinador.cusco"
COORDINATOR_DEPARTMENTS = ["08", "21"]  # Cusco, Puno
INSTRUCTOR_USERNAME = "instructora.cusco"  # teaches the demo classroom (yachay.demo.classroom)
# Names and addresses of the demo staff: pages greet them by name, and "forgot my password"
# mails a reset link to the address (shown in the console with the default mail backend).
DEMO_STAFF_PEOPLE: dict[str, tuple[str, str, str]] = {
    ADMIN_USERNAME: ("Rosa", "Huamán Torres", "admin@yachay.example"),
    COORDINATOR_USERNAME: ("Carlos", "Mamani Quispe", "coordinador.cusco@yachay.example"),
    INSTRUCTOR_USERNAME: ("Inés", "Condori Apaza", "instructora.cusco@yachay.example"),
}

T = TypeVar("T")

# ---------------------------------------------------------------------------
# Where applicants live
# ---------------------------------------------------------------------------

# (INEI code, population in thousands, % of formal MIPYME).
#
# Population: INEI, "Perú: Estimaciones y Proyecciones de Población por
# Departamento" — population at 30 June 2024 as reported in INEI, "Situación de
# la Población Peruana 2024: una mirada de la diversidad étnica" (July 2024),
# rounded to thousands. Checked anchors: Peru 34,039; Lima Metropolitana 10,292;
# Piura 2,150. The other figures are rounded approximations.
#
# MIPYME: PRODUCE (Ministerio de la Producción), "Las MIPYME en cifras 2022"
# (published 2023), distribution of formal MIPYME by department (SUNAT RUC
# register), rounded to one decimal; approximate.
#
# Both only shape synthetic data; re-check them against the publications before
# quoting them anywhere else.
DEPARTMENT_FIGURES: dict[str, tuple[int, float]] = {
    "01": (435, 0.8),  # Amazonas
    "02": (1_200, 3.0),  # Áncash
    "03": (432, 0.8),  # Apurímac
    "04": (1_560, 5.6),  # Arequipa
    "05": (680, 1.4),  # Ayacucho
    "06": (1_460, 2.5),  # Cajamarca
    "07": (1_200, 3.4),  # Callao
    "08": (1_380, 4.3),  # Cusco
    "09": (370, 0.5),  # Huancavelica
    "10": (770, 1.5),  # Huánuco
    "11": (1_000, 2.8),  # Ica
    "12": (1_380, 3.9),  # Junín
    "13": (2_060, 5.4),  # La Libertad
    "14": (1_340, 3.6),  # Lambayeque
    "15": (11_380, 44.2),  # Lima (Lima Metropolitana + Lima Provincias)
    "16": (1_060, 1.7),  # Loreto
    "17": (190, 0.7),  # Madre de Dios
    "18": (200, 0.7),  # Moquegua
    "19": (280, 0.6),  # Pasco
    "20": (2_150, 4.4),  # Piura
    "21": (1_240, 2.4),  # Puno
    "22": (930, 2.1),  # San Martín
    "23": (390, 1.6),  # Tacna
    "24": (270, 0.8),  # Tumbes
    "25": (610, 1.3),  # Ucayali
}
# Applicants to a program for MYPEs follow both where people live and where
# businesses are; a plain average of the two shares.
POPULATION_WEIGHT = 0.5
# Lima Metropolitana (province 1501) within the department of Lima: 10,292 of
# ~11,380 thousand (INEI 2024).
LIMA_METROPOLITANA_SHARE = 0.90

# Provinces: the capital province (code ending 01) draws most applicants; a few
# other provinces hold large cities (Chimbote, Juliaca, Tarapoto, Sullana, ...).
# Relative weights, default 1; a rough urban skew, not a census.
CAPITAL_PROVINCE_WEIGHT = 8.0
PROVINCE_WEIGHTS: dict[str, float] = {
    "0107": 2.0,  # Utcubamba (Bagua Grande)
    "0102": 1.5,  # Bagua
    "0218": 12.0,  # Santa (Chimbote)
    "0302": 4.0,  # Andahuaylas
    "0407": 1.5,  # Islay (Mollendo)
    "0504": 2.0,  # Huanta
    "0604": 1.5,  # Chota
    "0608": 4.0,  # Jaén
    "0806": 1.5,  # Canchis (Sicuani)
    "0809": 2.5,  # La Convención (Quillabamba)
    "0813": 1.5,  # Urubamba
    "0907": 1.5,  # Tayacaja
    "1006": 3.0,  # Leoncio Prado (Tingo María)
    "1102": 4.0,  # Chincha
    "1103": 1.5,  # Nasca
    "1105": 2.0,  # Pisco
    "1203": 2.5,  # Chanchamayo
    "1206": 2.5,  # Satipo
    "1207": 1.5,  # Tarma
    "1302": 1.5,  # Ascope
    "1304": 1.5,  # Chepén
    "1307": 1.5,  # Pacasmayo
    "1309": 1.5,  # Sánchez Carrión (Huamachuco)
    "1403": 3.0,  # Lambayeque
    "1502": 1.5,  # Barranca
    "1505": 3.0,  # Cañete
    "1506": 2.5,  # Huaral
    "1508": 3.0,  # Huaura (Huacho)
    "1602": 2.0,  # Alto Amazonas (Yurimaguas)
    "1803": 4.0,  # Ilo
    "1903": 1.5,  # Oxapampa
    "2006": 5.0,  # Sullana
    "2007": 2.0,  # Talara
    "2005": 2.0,  # Paita
    "2111": 9.0,  # San Román (Juliaca)
    "2208": 1.5,  # Rioja
    "2209": 8.0,  # San Martín (Tarapoto)
    "2403": 1.5,  # Zarumilla
    "2503": 1.5,  # Padre Abad
}
# Districts: in most provinces the capital district (code ending 01) holds the
# city; the other districts share the rest evenly.
CAPITAL_DISTRICT_SHARE = 0.45
# Lima Metropolitana and Callao: population by district in thousands,
# approximate (INEI, Censo 2017 and its 2024 projections, rounded).
DISTRICT_WEIGHTS: dict[str, dict[str, float]] = {
    "1501": {
        "150101": 270, "150102": 75, "150103": 700, "150104": 30, "150105": 85,
        "150106": 390, "150107": 45, "150108": 350, "150109": 50, "150110": 580,
        "150111": 210, "150112": 230, "150113": 75, "150114": 150, "150115": 180,
        "150116": 50, "150117": 400, "150118": 260, "150119": 100, "150120": 60,
        "150121": 80, "150122": 100, "150123": 160, "150124": 20, "150125": 420,
        "150126": 8, "150127": 9, "150128": 170, "150129": 8, "150130": 115,
        "150131": 60, "150132": 1_250, "150133": 420, "150134": 55, "150135": 780,
        "150136": 160, "150137": 240, "150138": 2, "150139": 30, "150140": 380,
        "150141": 95, "150142": 500, "150143": 470,
    },
    "0701": {
        "070101": 460, "070102": 75, "070103": 45, "070104": 60, "070105": 3,
        "070106": 470, "070107": 65,
    },
}  # fmt: skip

# ---------------------------------------------------------------------------
# Who they are
# ---------------------------------------------------------------------------

# INEI 2024: women are 50.4% of Peru; calls that reach out to women through
# women's business networks (as this program does) draw slightly more.
GENDER_WEIGHTS = {"female": 51.7, "male": 46.8, "other": 0.5, "undisclosed": 1.0}
# Age on the call's closing date, % per band, spread evenly inside a band.
# Working-age adults dominate; most applicants are 25-50.
AGE_BANDS = ((18, 24, 12), (25, 34, 29), (35, 44, 27), (45, 54, 19), (55, 64, 10), (65, 70, 3))
SEGMENT_WEIGHTS = {"sme_owner": 34, "entrepreneur": 28, "sme_expert": 24, "other": 14}
# Sector of the business, close to PRODUCE's mix of formal MIPYME (commerce and
# services dominate, then manufacturing); agriculture is under-counted there
# because most farms are informal, so it gets a little more here.
SECTOR_WEIGHTS = {
    "commerce": 36, "services": 20, "food": 14, "manufacturing": 10, "agriculture": 7,
    "tourism": 5, "transport": 4, "technology": 3, "other": 1,
}  # fmt: skip
# Self-assessed digital level 1-5: most use messaging and social networks (2)
# or office tools and online banking (3); experts a step higher.
DIGITAL_LEVEL_WEIGHTS = {
    "default": (8, 31, 35, 18, 8),
    "sme_expert": (2, 15, 38, 30, 15),
}
# Share choosing in-person classes: travel and connectivity make it more
# common outside Lima Metropolitana and Callao.
IN_PERSON_SHARE = {ubigeo.LIMA_CALLAO: 0.25, ubigeo.REST_OF_PERU: 0.45}
# Each schedule independently; people who run a business mostly learn after hours.
SCHEDULE_SHARES = (("morning", 0.24), ("afternoon", 0.22), ("evening", 0.58), ("weekend", 0.5))
# About 45% of the businesses are led by women: a woman applying for her
# business mostly leads it; a man's business is sometimes led by a woman.
WOMAN_LED_GIVEN_GENDER = {"female": 0.80, "male": 0.07}
WOMAN_LED_OTHERWISE = 0.45
ACCESSIBILITY_SHARE = 0.025
API_SHARE = 0.12  # the rest came through the web form
DNI_CHECK_SHARE = 0.5  # people who also typed the check character of their DNI
NO_MATERNAL_SURNAME_SHARE = 0.03
TWO_GIVEN_NAMES_SHARE = 0.55

# Regions where Quechua and Aymara names are common (southern and central Andes)
# get more of them; Amazonian departments get Amazonian surnames too.
ANDEAN_HIGH = frozenset({"03", "05", "08", "09", "21"})
ANDEAN_MID = frozenset({"02", "04", "06", "10", "12", "18", "19", "23"})
AMAZONIAN = frozenset({"01", "16", "17", "22", "25"})

FEMALE_NAMES = (
    "María", "Rosa", "Carmen", "Ana", "Luz", "Milagros", "Juana", "Gladys", "Elizabeth",
    "Flor", "Lucía", "Sofía", "Valeria", "Camila", "Ximena", "Nélida", "Marisol", "Rocío",
    "Maribel", "Yesenia", "Verónica", "Patricia", "Liliana", "Fiorella", "Génesis", "Dayana",
    "Kiara", "Mayra", "Nataly", "Yuliana", "Karina", "Teresa", "Julia", "Isabel", "Zulema",
    "Haydée", "Maritza", "Jéssica", "Sonia", "Ruth", "Norma", "Edith", "Vilma", "Yolanda",
    "Mónica", "Ángela", "Inés", "Belén", "Raquel", "Tania", "Zoila", "Nancy", "Diana",
    "Andrea", "Daniela", "Mariela", "Gabriela", "Noemí", "Dina", "Susana",
)  # fmt: skip
MALE_NAMES = (
    "José", "Luis", "Juan", "Carlos", "Jorge", "Miguel", "César", "Víctor", "Julio", "Jesús",
    "Pedro", "Raúl", "Óscar", "Martín", "Andrés", "Iván", "Renzo", "Diego", "Alexander",
    "Jhon", "Edwin", "Wilber", "Percy", "Elmer", "Hernán", "Germán", "Ángel", "Rubén",
    "Efraín", "Joel", "Kevin", "Brayan", "Anthony", "Fernando", "Ricardo", "Walter",
    "Roberto", "Manuel", "Alberto", "Javier", "Marco", "Félix", "Teodoro", "Nicanor", "Hugo",
    "Eduardo", "Alfredo", "Sebastián", "Mateo", "Joaquín", "Gonzalo", "Rodrigo", "Christian",
    "Jhonatan", "Wilmer", "Abel", "Saúl", "Adrián", "Ramón", "Néstor",
)  # fmt: skip
# Quechua (and a few Aymara: Wara, Nayra, Suyana, Mallku, Ayar) given names.
QUECHUA_FEMALE_NAMES = (
    "Illari", "Urpi", "Killa", "Sisa", "Ch'aska", "Nina", "Kusi", "Wayra", "Ñusta", "Sumaq",
    "Qori", "Kantu", "Wara", "Nayra", "Suyana", "Mayu", "Yaku",
)  # fmt: skip
QUECHUA_MALE_NAMES = (
    "Amaru", "Inti", "Yupanqui", "Wayra", "Kusi", "Nina", "Túpac", "Manco", "Waman",
    "Kallpa", "Rumi", "Atoq", "Mallku", "Ayar", "Illapa", "Sayri", "Titu", "Yaku",
)  # fmt: skip
QUECHUA_SHARE = {"high": 0.20, "mid": 0.10, "low": 0.05}

# Surnames with rough relative frequencies (Quispe is Peru's most common).
GENERAL_SURNAMES: dict[str, int] = {
    "Quispe": 30, "Flores": 22, "Sánchez": 16, "Rodríguez": 14, "García": 13, "Rojas": 12,
    "Díaz": 10, "Torres": 10, "Chávez": 10, "Vásquez": 10, "Ramírez": 9, "Mendoza": 9,
    "Castillo": 8, "López": 8, "Gonzales": 8, "Pérez": 8, "Romero": 7, "Gutiérrez": 7,
    "Ramos": 7, "Espinoza": 7, "Fernández": 6, "Vargas": 6, "Salazar": 6, "Cruz": 6,
    "Huamán": 8, "Mamani": 8, "Reyes": 5, "Morales": 5, "Jiménez": 4, "Ruiz": 4,
    "Herrera": 4, "Medina": 4, "Aguilar": 4, "Castro": 4, "Silva": 4, "Campos": 4,
    "Vega": 3, "Ríos": 3, "Cárdenas": 3, "Córdova": 3, "Cáceres": 3, "Palomino": 3,
    "Villanueva": 3, "Alvarado": 3, "Carrasco": 3, "Calderón": 3, "Saavedra": 2,
    "Zapata": 3, "Távara": 2, "Chumpitaz": 2, "Paredes": 3, "Valdivia": 2, "Núñez": 4,
    "Peña": 3, "Muñoz": 3, "Ibáñez": 2, "Zúñiga": 2, "Yáñez": 1, "Ordóñez": 2,
    "Avendaño": 1, "Saldaña": 2, "Carreño": 1, "Montañez": 1, "Patiño": 1, "Acuña": 2,
    "Castañeda": 2, "Meléndez": 2, "Benítez": 1, "León": 3, "Gálvez": 2, "Bazán": 2,
    "Tello": 2, "Ponce": 2, "Loayza": 2, "Bustamante": 2, "Arévalo": 2, "Ñique": 1,
}  # fmt: skip
ANDEAN_SURNAMES: dict[str, int] = {
    "Quispe": 30, "Mamani": 20, "Huamán": 14, "Condori": 12, "Choque": 7, "Apaza": 7,
    "Ccori": 4, "Huanca": 6, "Ticona": 5, "Yupanqui": 4, "Cusi": 3, "Ñahui": 3,
    "Ñaupari": 2, "Paucar": 4, "Huayta": 3, "Ccahuana": 3, "Pari": 3, "Chambi": 3,
    "Layme": 3, "Coaquira": 3, "Sucasaca": 2, "Poma": 4, "Inga": 3, "Yauri": 3, "Tito": 3,
    "Huillca": 3, "Cutipa": 3, "Calisaya": 2, "Limachi": 2, "Nina": 3, "Puma": 3,
    "Choquehuanca": 2, "Alanoca": 2, "Soncco": 2, "Illanes": 1, "Ñaña": 1,
}  # fmt: skip
AMAZONIAN_SURNAMES: dict[str, int] = {
    "Ushiñahua": 3, "Tapullima": 3, "Sangama": 3, "Pinedo": 4, "Panaifo": 2, "Shapiama": 2,
    "Amasifuén": 2, "Tuanama": 2, "Cachique": 2, "Sinarahua": 1, "Isuiza": 2, "Pashanasi": 1,
}  # fmt: skip
ANDEAN_SURNAME_SHARE = {"high": 0.55, "mid": 0.30, "low": 0.12}
AMAZONIAN_SURNAME_SHARE = 0.15

# Only names reserved for examples (RFC 2606, RFC 6761): a demo run on a server whose email
# is set up must never mail a stranger. The shares are those of the webmail providers that
# Peruvians use (gmail 60 %, hotmail 16 %, ...), so the draws stay the same.
EMAIL_DOMAINS = {
    "example.com": 60, "example.org": 16, "example.net": 7, "correo.example.com": 5,
    "correo.example.org": 3, "correo.example.net": 3, "mail.example.com": 2,
    "mail.example.org": 2, "correo.test": 1,
}  # fmt: skip

BUSINESS_KINDS: dict[str, tuple[str, ...]] = {
    "commerce": ("Bodega", "Minimarket", "Distribuidora", "Comercial", "Ferretería", "Librería"),
    "food": ("Restaurante", "Pollería", "Panadería", "Juguería", "Cevichería", "Picantería"),
    "services": ("Peluquería", "Estudio Contable", "Lavandería", "Consultora", "Taller Mecánico"),
    "manufacturing": ("Confecciones", "Textiles", "Carpintería", "Calzado", "Artesanías"),
    "agriculture": ("Agropecuaria", "Café", "Granja", "Vivero", "Piscigranja", "Apícola"),
    "tourism": ("Hostal", "Turismo", "Agencia de Viajes", "Expediciones"),
    "transport": ("Transportes", "Mudanzas", "Courier", "Logística"),
    "technology": ("Soluciones Digitales", "Tecnología", "Sistemas", "Soporte TI"),
    "other": ("Servicios Generales", "Multiservicios"),
}
EXPERT_PRACTICES = (
    "Estudio Contable", "Consultora", "Asesoría Empresarial", "Marketing Digital",
    "Asesoría Tributaria",
)  # fmt: skip
BUSINESS_MOTTOS = (
    "El Sol", "Los Andes", "Santa Rosa", "Virgen de la Candelaria", "Señor de los Milagros",
    "El Inca", "Inti Raymi", "La Amazonía", "Titicaca", "Pachamama", "Mi Perú", "El Progreso",
    "La Esperanza", "Wiracocha", "Qhapaq Ñan", "Nueva Era", "San Martín", "Kallpa",
)  # fmt: skip
COMPANY_FORMS = ("S.A.C.", "S.A.C.", "E.I.R.L.", "E.I.R.L.", "S.R.L.")
ACCESSIBILITY_NEEDS = (
    "Uso lector de pantalla (NVDA).",
    "Baja visión: necesito materiales con letra grande y buen contraste.",
    "Necesito intérprete de lengua de señas peruana en las sesiones en vivo.",
    "Hipoacusia: necesito subtítulos en los videos.",
    "Movilidad reducida: para clases presenciales, un aula en primer piso.",
    "Prefiero materiales también en quechua.",
    "Dislexia: me ayuda tener más tiempo en las evaluaciones.",
)

CONSENT_TEXT = """\
De conformidad con la Ley N.° 29733, Ley de Protección de Datos Personales, y su \
Reglamento (Decreto Supremo N.° 016-2024-JUS), autorizo a la Presidencia del Consejo de \
Ministros, en su calidad de titular del banco de datos del programa "IA para MYPEs — Perú \
2027", a tratar los datos personales que consigno en este formulario (nombres, DNI, fecha \
de nacimiento, género, correo electrónico, teléfono, lugar de residencia, RUC y datos de mi \
negocio) con las siguientes finalidades: evaluar mi postulación, seleccionar a los \
participantes según las metas publicadas del programa, comunicarme los resultados, \
organizar las clases y emitir los certificados. Mis datos no serán cedidos a terceros ni \
usados para fines comerciales; el socio tecnológico los trata solo por encargo y bajo las \
mismas reglas. Se conservarán mientras dure el programa y hasta cinco años después para \
fines de rendición de cuentas; los informes públicos solo muestran cifras agregadas. \
Puedo ejercer mis derechos de acceso, rectificación, cancelación y oposición escribiendo a \
datos.personales@yachay.example y, si no se atienden, reclamar ante la Autoridad Nacional \
de Protección de Datos Personales. Declaro que la información que consigno es verdadera."""


@dataclass(frozen=True)
class CallWindow:
    """The dates a generated applicant must fit: ages count on ``closes_on``;
    consent times fall between ``opens_at`` and ``now``."""

    opens_at: dt.datetime
    now: dt.datetime
    closes_on: dt.date
    min_age: int = 18
    max_age: int = 70

    @classmethod
    def of(cls, call: Call, now: dt.datetime | None = None) -> CallWindow:
        return cls(
            opens_at=call.opens_at,
            now=now or timezone.now(),
            closes_on=timezone.localtime(call.closes_at).date(),
            min_age=call.min_age,
            max_age=call.max_age,
        )


# ---------------------------------------------------------------------------
# The generator (pure)
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Tables:
    departments: tuple[str, ...]
    department_cum: tuple[float, ...]
    districts: dict[str, tuple[str, ...]]
    district_cum: dict[str, tuple[float, ...]]


def department_weights() -> dict[str, float]:
    """Each department's share of applicants (sums to 1): population and MYPE shares blended."""
    pop_total = sum(p for p, _m in DEPARTMENT_FIGURES.values())
    mype_total = sum(m for _p, m in DEPARTMENT_FIGURES.values())
    return {
        code: POPULATION_WEIGHT * pop / pop_total + (1 - POPULATION_WEIGHT) * mype / mype_total
        for code, (pop, mype) in DEPARTMENT_FIGURES.items()
    }


def _province_weights(department: str) -> dict[str, float]:
    provinces = [code for code, _name in ubigeo.provinces_of(department)]
    weights = {
        p: PROVINCE_WEIGHTS.get(p, CAPITAL_PROVINCE_WEIGHT if p.endswith("01") else 1.0)
        for p in provinces
    }
    if department == "15":
        others = sum(w for p, w in weights.items() if p != "1501")
        weights["1501"] = others * LIMA_METROPOLITANA_SHARE / (1 - LIMA_METROPOLITANA_SHARE)
    return weights


def _district_weights(province: str) -> dict[str, float]:
    districts = [code for code, _name in ubigeo.districts_of(province)]
    if province in DISTRICT_WEIGHTS:
        explicit = DISTRICT_WEIGHTS[province]
        return {d: explicit.get(d, 1.0) for d in districts}
    if len(districts) == 1:
        return {districts[0]: 1.0}
    capital = province + "01"
    rest = (1 - CAPITAL_DISTRICT_SHARE) / (len(districts) - 1)
    return {d: CAPITAL_DISTRICT_SHARE if d == capital else rest for d in districts}


@cache
def _tables() -> _Tables:
    dept_w = department_weights()
    departments = tuple(sorted(dept_w))
    districts: dict[str, tuple[str, ...]] = {}
    district_cum: dict[str, tuple[float, ...]] = {}
    for dept in departments:
        weights: dict[str, float] = {}
        prov_w = _province_weights(dept)
        prov_total = sum(prov_w.values())
        for prov, pw in prov_w.items():
            dist_w = _district_weights(prov)
            dist_total = sum(dist_w.values())
            for dist, w in dist_w.items():
                weights[dist] = pw / prov_total * w / dist_total
        codes = tuple(sorted(weights))
        districts[dept] = codes
        district_cum[dept] = tuple(accumulate(weights[c] for c in codes))
    return _Tables(
        departments=departments,
        department_cum=tuple(accumulate(dept_w[d] for d in departments)),
        districts=districts,
        district_cum=district_cum,
    )


def _cum(weights: dict[str, float] | dict[str, int]) -> tuple[tuple[str, ...], tuple[float, ...]]:
    keys = tuple(weights)
    return keys, tuple(accumulate(float(weights[k]) for k in keys))


@cache
def _fold(text: str) -> str:
    """'Ch'aska Ñahui' -> 'chaskanahui': the ASCII letters an email address would use."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(ch for ch in decomposed if ch.isascii() and ch.isalnum())


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February in a year that has none
        return day.replace(year=day.year - years, day=28)


def encode_reference(number: int) -> str:
    """A number below 30**6 as a reference code such as ``YCH-7KQ3M9``."""
    base = len(REFERENCE_ALPHABET)
    chars = []
    for _ in range(6):
        number, digit = divmod(number, base)
        chars.append(REFERENCE_ALPHABET[digit])
    return "YCH-" + "".join(reversed(chars))


def _references(rng: Random, n: int, taken: Set[str]) -> list[str]:
    # A sample without replacement is unique by construction; references already in
    # the database (other calls) are redrawn, which for a fresh database is never.
    space = len(REFERENCE_ALPHABET) ** 6
    refs = [encode_reference(x) for x in rng.sample(range(space), n)]
    if taken:
        chosen = set(refs)
        for i, ref in enumerate(refs):
            if ref in taken:
                while ref in taken or ref in chosen:
                    ref = encode_reference(rng.randrange(space))
                chosen.add(ref)
                refs[i] = ref
    return refs


def _person_ruc(dni: str) -> str:
    base = "10" + dni
    return base + ruc.calc_check_digit(base)


def _company_ruc(rng: Random) -> str:
    base = f"20{rng.randrange(10_000_000, 62_000_000)}"
    return base + ruc.calc_check_digit(base)


def iter_applicants(
    n: int, *, seed: int, window: CallWindow, taken_references: Set[str] = frozenset()
) -> Iterator[dict[str, Any]]:
    """Yield ``n`` synthetic applicants as dicts of ``Application`` field values.

    Deterministic: the same ``seed`` and ``window`` give the same records
    (ages are counted on the window's closing date, so birth dates move with
    the call). DNIs, phones and references are unique within the run;
    references also avoid ``taken_references``. ``call`` and ``api_key`` are
    left to the caller.
    """
    if n < 0:
        raise ValueError("n must be zero or more")
    rng = Random(seed)
    t = _tables()
    # Unique by construction: DNIs from 1,000,000 on (some with a leading zero, as
    # older DNIs have), Peruvian mobiles 9XX XXX XXX, references from their space.
    dnis = rng.sample(range(1_000_000, 80_000_000), n)
    phones = rng.sample(range(900_000_000, 1_000_000_000), n)
    references = _references(rng, n, taken_references)

    genders, gender_cum = _cum(GENDER_WEIGHTS)
    segments, segment_cum = _cum(SEGMENT_WEIGHTS)
    sectors, sector_cum = _cum(SECTOR_WEIGHTS)
    domains, domain_cum = _cum(EMAIL_DOMAINS)
    general, general_cum = _cum(GENERAL_SURNAMES)
    andean, andean_cum = _cum(ANDEAN_SURNAMES)
    amazonian, amazonian_cum = _cum(AMAZONIAN_SURNAMES)
    ages: list[int] = []
    age_w: list[float] = []
    for low, high, pct in AGE_BANDS:
        for age in range(low, high + 1):
            if window.min_age <= age <= window.max_age:
                ages.append(age)
                age_w.append(pct / (high - low + 1))
    if not ages:
        raise ValueError("the call's age range leaves no one to generate")
    age_cum = tuple(accumulate(age_w))
    # Birth dates that make someone exactly `age` on the closing date: (first ordinal, days).
    birth_span: dict[int, tuple[int, int]] = {}
    for age in ages:
        latest = _years_before(window.closes_on, age).toordinal()
        earliest = _years_before(window.closes_on, age + 1).toordinal() + 1
        birth_span[age] = (earliest, latest - earliest + 1)
    levels = (1, 2, 3, 4, 5)
    level_cum = {k: tuple(accumulate(v)) for k, v in DIGITAL_LEVEL_WEIGHTS.items()}
    span = max((window.now - window.opens_at).total_seconds(), 1.0)
    emails: set[str] = set()
    random = rng.random

    def pick(population: Sequence[T], cum: Sequence[float]) -> T:
        # What Random.choices does for one item, without its per-call overhead
        # (it is called ~10 times per applicant).
        return population[bisect(cum, random() * cum[-1], 0, len(cum) - 1)]

    def surname(dept: str, region: str) -> str:
        if dept in AMAZONIAN and random() < AMAZONIAN_SURNAME_SHARE:
            return pick(amazonian, amazonian_cum)
        if random() < ANDEAN_SURNAME_SHARE[region]:
            return pick(andean, andean_cum)
        return pick(general, general_cum)

    for i in range(n):
        dept = pick(t.departments, t.department_cum)
        district = pick(t.districts[dept], t.district_cum[dept])
        region = "high" if dept in ANDEAN_HIGH else "mid" if dept in ANDEAN_MID else "low"
        group = ubigeo.department_group(district)

        gender = pick(genders, gender_cum)
        female = gender == "female" if gender in ("female", "male") else random() < 0.5
        spanish = FEMALE_NAMES if female else MALE_NAMES
        quechua = QUECHUA_FEMALE_NAMES if female else QUECHUA_MALE_NAMES
        if random() < QUECHUA_SHARE[region]:
            first = rng.choice(quechua)
            second = rng.choice(spanish) if random() < 0.4 else ""
            if second and random() < 0.5:
                first, second = second, first
        else:
            first = rng.choice(spanish)
            second = rng.choice(spanish) if random() < TWO_GIVEN_NAMES_SHARE else ""
            if second == first:
                second = ""
        given_names = f"{first} {second}" if second else first

        paternal = surname(dept, region)
        maternal = "" if random() < NO_MATERNAL_SURNAME_SHARE else surname(dept, region)

        age = pick(ages, age_cum)
        first_day, days = birth_span[age]
        birth = dt.date.fromordinal(first_day + int(random() * days))

        dni = f"{dnis[i]:08d}"
        dni_check = rng.choice(cui.calc_check_digits(dni)) if random() < DNI_CHECK_SHARE else ""

        # Email from the name, ASCII-folded; a number when the address is taken.
        g, p, m = _fold(first), _fold(paternal), _fold(maternal)
        pattern = rng.randrange(6)
        if pattern == 0:
            local = f"{g}.{p}"
        elif pattern == 1:
            local = f"{g}.{p}{birth.year % 100:02d}"
        elif pattern == 2:
            local = f"{g[0]}{p}{m[:1]}"
        elif pattern == 3:
            local = f"{g}{p}{rng.randrange(1, 1000)}"
        elif pattern == 4:
            local = f"{g}_{p}"
        else:
            local = f"{p}.{g}"
        domain = pick(domains, domain_cum)
        email = f"{local}@{domain}"
        while email in emails:
            email = f"{local}{rng.randrange(1, 10_000)}@{domain}"
        emails.add(email)

        segment = pick(segments, segment_cum)
        ruc_number = business_name = sector = ""
        has_business = False
        r = random()
        if segment == "sme_owner":  # the call requires their RUC
            has_business = True
            ruc_number = _company_ruc(rng) if r < 0.3 else _person_ruc(dni)
        elif segment == "entrepreneur" and r < 0.75:
            has_business = True
            if random() < 0.6:
                ruc_number = _company_ruc(rng) if random() < 0.15 else _person_ruc(dni)
        elif segment == "sme_expert" and r < 0.35:
            has_business = True  # an independent consultant with a personal RUC
            ruc_number = _person_ruc(dni)
        elif segment == "other" and r < 0.08:
            has_business = True
            ruc_number = _person_ruc(dni)
        woman_led: bool | None = None
        if has_business:
            # An expert's own business is their practice: a consultancy, a bookkeeping firm.
            expert = segment == "sme_expert"
            sector = "services" if expert else pick(sectors, sector_cum)
            if ruc_number.startswith("20") or not ruc_number or random() < 0.75:
                kind = rng.choice(EXPERT_PRACTICES if expert else BUSINESS_KINDS[sector])
                style = rng.randrange(4)
                if style == 0:
                    motto = paternal
                elif style == 1 and not expert:
                    motto = f"{'Doña' if female else 'Don'} {first}"
                elif style == 1:
                    motto = f"{first.split()[0]} {paternal}"
                else:
                    motto = rng.choice(BUSINESS_MOTTOS)
                business_name = f"{kind} {motto}"
                if ruc_number.startswith("20"):
                    business_name = f"{business_name} {rng.choice(COMPANY_FORMS)}"
            share = WOMAN_LED_GIVEN_GENDER.get(gender, WOMAN_LED_OTHERWISE)
            woman_led = random() < share
        elif segment == "sme_expert" and random() < 0.5:
            sector = pick(sectors, sector_cum)  # the sector they advise

        level_key = "sme_expert" if segment == "sme_expert" else "default"
        digital_level = pick(levels, level_cum[level_key])
        modality = "in_person" if random() < IN_PERSON_SHARE[group] else "virtual"
        schedules = [name for name, share in SCHEDULE_SHARES if random() < share] or ["evening"]
        accessibility = rng.choice(ACCESSIBILITY_NEEDS) if random() < ACCESSIBILITY_SHARE else ""

        via_api = random() < API_SHARE
        # Early days see the most applications (the launch, the first reminders).
        consent_at = window.opens_at + dt.timedelta(seconds=int(span * random() ** 1.6))
        consent_ip = "198.51.100.10" if via_api else f"203.0.113.{rng.randrange(1, 255)}"

        yield {
            "reference": references[i],
            "status": Application.Status.SUBMITTED.value,
            "source": "api" if via_api else "web",
            "language": "es",
            "dni": dni,
            "dni_check": dni_check,
            "given_names": given_names,
            "paternal_surname": paternal,
            "maternal_surname": maternal,
            "birth_date": birth,
            "gender": gender,
            "email": email,
            "phone": f"+51{phones[i]}",
            "ubigeo": district,
            "department": dept,
            "segment": segment,
            "ruc": ruc_number,
            "business_name": business_name,
            "sector": sector,
            "woman_led": woman_led,
            "digital_level": digital_level,
            "modality": modality,
            "schedules": schedules,
            "accessibility_needs": accessibility,
            "consent_version": CONSENT_VERSION,
            "consent_at": consent_at,
            "consent_ip": consent_ip,
        }


def generate_applicants(
    n: int, *, seed: int, window: CallWindow, taken_references: Set[str] = frozenset()
) -> list[dict[str, Any]]:
    """``iter_applicants`` as a list (for tests and small demos)."""
    return list(iter_applicants(n, seed=seed, window=window, taken_references=taken_references))


def api_payload(record: dict[str, Any]) -> dict[str, Any]:
    """The JSON body a partner system would POST for this applicant."""
    payload: dict[str, Any] = {
        key: record[key]
        for key in (
            "dni", "given_names", "paternal_surname", "gender", "email", "phone", "ubigeo",
            "segment", "modality", "schedules", "digital_level", "consent_version",
        )
    }  # fmt: skip
    payload["birth_date"] = record["birth_date"].isoformat()
    payload["consent"] = True
    for key in ("dni_check", "maternal_surname", "ruc", "business_name", "sector"):
        if record[key]:
            payload[key] = record[key]
    if record["accessibility_needs"]:
        payload["accessibility_needs"] = record["accessibility_needs"]
    if record["woman_led"] is not None:
        payload["woman_led"] = record["woman_led"]
    return payload


# ---------------------------------------------------------------------------
# The loader
# ---------------------------------------------------------------------------


class DemoError(Exception):
    """The demo cannot be loaded as asked (it exists, or it cannot be removed)."""


@dataclass(frozen=True)
class DemoLoadResult:
    program: Program
    call: Call
    applications: int
    targets: int
    tracks: int
    replaced_applications: int


def demo_exists() -> bool:
    return Program.objects.filter(slug=PROGRAM_SLUG).exists()


def _demo_delete(program: Program) -> int:
    """Remove the demo program and everything under it; return the applications removed."""
    from yachay.cohorts.models import Cohort, Enrollment

    apps = Application.objects.filter(call__program=program)
    try:
        # The demo classroom (yachay.demo.classroom): its learners, enrollments, cohorts.
        enrollments = Enrollment.objects.filter(application__call__program=program)
        from yachay.demo.certificates import demo_certificates_delete

        demo_certificates_delete(program)  # they hold their enrollments (PROTECT)
        learners = list(enrollments.filter(user__role=Role.LEARNER).values_list("user", flat=True))
        enrollments.delete()
        User.objects.filter(pk__in=learners, enrollments__isnull=True).delete()
        Cohort.objects.filter(call__program=program).delete()
        removed, _detail = apps.delete()
        Call.objects.filter(program=program).delete()
        program.delete()
    except ProtectedError as e:
        raise DemoError(
            f"The demo program's data is referenced elsewhere and cannot be replaced: {e}"
        ) from None
    return removed


def _create_program(now: dt.datetime) -> tuple[Program, Call, int, int]:
    program = Program.objects.create(
        name="IA para MYPEs — Perú 2027",
        slug=PROGRAM_SLUG,
        description=(
            "Programa nacional de formación en inteligencia artificial para expertos y "
            "expertas de MYPE y PYME, emprendedores y dueños de MYPE de todo el Perú. "
            "Al menos la mitad de las vacantes son para mujeres y al menos el 40 % para "
            "personas fuera de Lima Metropolitana y Callao."
        ),
        partners="Presidencia del Consejo de Ministros\nSocio tecnológico",
        seats_target=20_000,
        starts_on=dt.date(2027, 2, 1),
        ends_on=dt.date(2027, 12, 15),
    )
    targets = [
        Target(program=program, kind="min", measure="share", amount=50,
               dimension="gender", value="female"),
        Target(program=program, kind="min", measure="share", amount=40,
               dimension="department_group", value="rest"),
        Target(program=program, kind="min", measure="share", amount=15,
               dimension="segment", value="sme_expert"),
        Target(program=program, kind="min", measure="share", amount=15,
               dimension="segment", value="entrepreneur"),
        Target(program=program, kind="min", measure="share", amount=15,
               dimension="segment", value="sme_owner"),
    ]  # fmt: skip
    Target.objects.bulk_create(targets)
    tracks = [
        Track(
            program=program, order=1, slug="ia-para-tu-negocio", name="IA para tu negocio",
            audience=["sme_owner", "entrepreneur"],
            description="Ventas, atención al cliente y marketing con asistentes de IA, "
            "desde el celular y con herramientas gratuitas.",
        ),
        Track(
            program=program, order=2, slug="ia-para-especialistas-mype",
            name="IA para especialistas MYPE", audience=["sme_expert"],
            description="Para contadores, asesores y consultores: automatizar reportes, "
            "analizar datos y acompañar a las MYPE que asesoras.",
        ),
        Track(
            program=program, order=3, slug="primeros-pasos-con-ia", name="Primeros pasos con IA",
            audience=["sme_expert", "entrepreneur", "sme_owner", "other"],
            description="Qué es la IA, cómo usarla con cuidado y cómo proteger tus datos.",
        ),
    ]  # fmt: skip
    Track.objects.bulk_create(tracks)
    local_today = timezone.localdate(now)
    tz = timezone.get_current_timezone()
    call = Call.objects.create(
        program=program,
        title="Convocatoria 2027-I",
        slug=CALL_SLUG,
        description=(
            "Postula desde tu celular. Las clases empiezan en febrero de 2027, virtuales o "
            "presenciales en las capitales de región."
        ),
        opens_at=dt.datetime.combine(local_today - dt.timedelta(days=6), dt.time(8), tz),
        closes_at=dt.datetime.combine(local_today + dt.timedelta(days=30), dt.time(23, 59), tz),
        seats=20_000,
        min_age=18,
        max_age=70,
        allowed_segments=["sme_expert", "entrepreneur", "sme_owner", "other"],
        ruc_required_segments=["sme_owner"],
        consent_version=CONSENT_VERSION,
        consent_text=CONSENT_TEXT,
    )
    return program, call, len(targets), len(tracks)


def _insert_applications(
    records: Iterable[dict[str, Any]], *, call: Call, api_key: ApiKey | None, batch_size: int
) -> int:
    """Insert generated records with one prepared INSERT run by ``executemany``.

    ``bulk_create`` was measured first: it spends ~10 µs per value preparing and
    compiling each of 31 columns (SQLite also caps it at 32 rows per statement),
    which took 100,000 applicants to ~50 s on a 2-core machine. Here text values
    go to the driver as they are, and only the other columns (dates, JSON, IP,
    booleans, keys) pass through their field's own ``get_db_prep_save``, so the
    same code writes to PostgreSQL. ``created_at`` takes the consent time, so the
    demo has a history (applications per day) rather than one instant.
    """
    connection = connections[router.db_for_write(Application)]
    fields = [f for f in Application._meta.concrete_fields if not f.primary_key]
    attnames = [f.attname for f in fields]
    plain = {"CharField", "TextField"}
    kinds = [None if f.get_internal_type() in plain else f.get_internal_type() for f in fields]
    preps = {f.get_internal_type(): f.get_db_prep_save for f in fields}
    # Most non-text values repeat (schedules, levels, keys, birth dates): adapt each
    # distinct value once. Keyed by field type, which decides the adaptation.
    adapted: dict[tuple[str, Any], Any] = {}
    qn = connection.ops.quote_name
    # Names come from the model's metadata, quoted; every value is a parameter.
    sql = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608
        qn(Application._meta.db_table),
        ", ".join(qn(f.column) for f in fields),
        ", ".join(["%s"] * len(fields)),
    )
    key_id = api_key.pk if api_key is not None else None
    count = 0
    with connection.cursor() as cursor:
        while batch := list(islice(records, batch_size)):
            rows = []
            for record in batch:
                record["call_id"] = call.pk
                record["api_key_id"] = key_id if record["source"] == "api" else None
                record["submission_key"] = None
                record["created_at"] = record["consent_at"]
                row = []
                for name, kind in zip(attnames, kinds, strict=True):
                    value = record[name]
                    if kind is None:
                        row.append(value)
                        continue
                    key = (kind, tuple(value) if type(value) is list else value)
                    if key not in adapted:
                        adapted[key] = preps[kind](value, connection)
                    row.append(adapted[key])
                rows.append(row)
            cursor.executemany(sql, rows)
            count += len(rows)
    return count


def demo_load(
    *,
    applicants: int = DEFAULT_APPLICANTS,
    seed: int = DEFAULT_SEED,
    replace: bool = False,
    api_key: ApiKey | None = None,
    actor: Actor = SYSTEM,
    now: dt.datetime | None = None,
    batch_size: int = 5_000,
) -> DemoLoadResult:
    """Create the demo program, targets, tracks, open call and ``applicants`` applications.

    One transaction, one audit event (counts only). Raises ``DemoError`` when the
    demo program exists and ``replace`` is false. Applications that came "through
    the API" are linked to ``api_key`` so the partner key can read them back.
    """
    if applicants < 0:
        raise DemoError("The number of applicants cannot be negative.")
    now = now or timezone.now()
    with transaction.atomic():
        replaced = 0
        existing = Program.objects.filter(slug=PROGRAM_SLUG).first()
        if existing is not None:
            if not replace:
                raise DemoError(
                    f"The demo program {PROGRAM_SLUG!r} already exists; "
                    "use --replace to delete it and load it again."
                )
            replaced = _demo_delete(existing)
        if Call.objects.filter(slug=CALL_SLUG).exists():
            raise DemoError(f"A call with the slug {CALL_SLUG!r} exists in another program.")
        program, call, n_targets, n_tracks = _create_program(now)

        taken = set(Application.objects.values_list("reference", flat=True))
        records = iter_applicants(
            applicants, seed=seed, window=CallWindow.of(call, now), taken_references=taken
        )
        inserted = _insert_applications(records, call=call, api_key=api_key, batch_size=batch_size)
        audit_record(
            actor=actor,
            action="demo.load",
            obj=program,
            changes={
                "applications": inserted,
                "targets": n_targets,
                "tracks": n_tracks,
                "calls": 1,
                "seed": seed,
                "replaced_applications": replaced,
            },
        )
    return DemoLoadResult(program, call, applicants, n_targets, n_tracks, replaced)


# ---------------------------------------------------------------------------
# Demo accounts and their credentials file
# ---------------------------------------------------------------------------


def credentials_path() -> Path:
    return Path(settings.VAR_DIR) / CREDENTIALS_FILE


def credentials_read(path: Path | None = None) -> dict[str, Any] | None:
    """The demo credentials, or None when there is no (readable) file."""
    path = path or credentials_path()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def credentials_write(data: dict[str, Any], path: Path | None = None) -> Path:
    """Write the file readable by its owner only (0600), replacing it atomically."""
    path = path or credentials_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".demo-credentials-")
    try:
        os.fchmod(fd, 0o600)  # mkstemp already creates 0600; say it, in case umask games
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(data, f, ensure_ascii=False, indent=2)
            f.write("\n")
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def _password() -> str:
    # Four groups of four: random enough (~95 bits) and easy to copy by hand.
    alphabet = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return "-".join("".join(secrets.choice(alphabet) for _ in range(4)) for _ in range(4))


def demo_accounts_ensure(
    *, path: Path | None = None, actor: Actor = SYSTEM
) -> tuple[dict[str, Any], ApiKey]:
    """Create the demo admin, coordinator and API key if missing; write their secrets.

    Existing users are left alone (their password is whatever the file says, or
    unknown when the file is gone). The API key is reused while the file holds
    a key that still works; otherwise a new one is created.
    """
    path = path or credentials_path()
    old = credentials_read(path) or {}
    old_users = {u.get("username"): u for u in old.get("users", []) if isinstance(u, dict)}
    specs: Sequence[tuple[str, Role, list[str]]] = (
        (ADMIN_USERNAME, Role.ADMIN, []),
        (COORDINATOR_USERNAME, Role.COORDINATOR, COORDINATOR_DEPARTMENTS),
        (INSTRUCTOR_USERNAME, Role.INSTRUCTOR, []),
    )
    users: list[dict[str, Any]] = []
    for username, role, departments in specs:
        if User.objects.filter(username=username).exists():
            password = old_users.get(username, {}).get("password")
        else:
            password = _password()
            first_name, last_name, email = DEMO_STAFF_PEOPLE[username]
            user_create(
                username=username,
                password=password,
                role=role,
                departments=departments,
                first_name=first_name,
                last_name=last_name,
                email=email,
                actor=actor,
            )
        users.append(
            {"username": username, "password": password, "role": role.value,
             "departments": departments}
        )  # fmt: skip

    old_key = old.get("api_key") if isinstance(old.get("api_key"), dict) else None
    raw = old_key.get("key") if old_key else None
    key = api_key_lookup(raw) if isinstance(raw, str) else None
    if key is None:
        key, raw = api_key_create(name=DEMO_API_KEY_NAME, actor=actor)
    data = {
        "note": "Demo credentials written by `manage.py load_demo`; show them with "
        "`manage.py demo_credentials`. Local demo only.",
        "call_slug": CALL_SLUG,
        "users": users,
        "api_key": {"name": key.name, "prefix": key.prefix, "key": raw},
    }
    credentials_write(data, path)
    return data, key
