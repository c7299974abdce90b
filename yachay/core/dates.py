import datetime as dt


def age_on(birth: dt.date, day: dt.date) -> int:
    """Completed years on ``day`` (a 29 February birthday turns over on 1 March)."""
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))
