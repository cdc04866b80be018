"""Qt-free desktop core: alert lifecycle, link supervision, spoken phrases and the event cursor."""
