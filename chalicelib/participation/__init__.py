"""Participation tracking: rosters of the organizations of a unit and who on them took part."""
