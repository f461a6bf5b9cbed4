"""Wiring only: routes, schedules and stream handlers live in chalicelib/."""

from chalice import Chalice

from chalicelib.routes.admin import admin_routes
from chalicelib.routes.participant import participant_routes

app = Chalice(app_name="songcong-contest")
app.register_blueprint(participant_routes)
app.register_blueprint(admin_routes)
