from yachay.core import ubigeo


def test_it_ships_all_departments_provinces_and_districts() -> None:
    p = ubigeo.places()
    assert len(p.departments) == 25
    assert len(p.provinces) == 196
    assert len(p.districts) >= 1_874
    assert "INEI" in p.source


def test_it_names_a_district_with_its_province_and_department() -> None:
    assert ubigeo.name("080101") == "Cusco / Cusco / Cusco"
    assert ubigeo.name("15") == "Lima"


def test_it_groups_lima_metropolitana_and_callao_apart_from_the_rest() -> None:
    assert ubigeo.department_group("150101") == "lima_callao"  # Lima, Lima
    assert ubigeo.department_group("070101") == "lima_callao"  # Callao
    assert ubigeo.department_group("150501") == "rest"  # Cañete, Lima Provincias
    assert ubigeo.department_group("080101") == "rest"


def test_it_lists_children_in_code_order() -> None:
    provinces = ubigeo.provinces_of("08")
    assert provinces[0] == ("0801", "Cusco")
    assert all(code.startswith("08") for code, _ in provinces)
    assert all(code.startswith("0801") for code, _ in ubigeo.districts_of("0801"))
