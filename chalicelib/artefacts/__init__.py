"""Files the contest hands out (issue 11): prize certificates from published results, their
public verification, the poster and the share card. Excel exports live in ``exports/``."""
