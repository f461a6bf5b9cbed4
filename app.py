"""Wiring only: routes, schedules and stream handlers live in chalicelib/.

Schedules are EventBridge rules (UTC). They run every 5 minutes and act on the round
times stored in DynamoDB, so organizers can move a deadline without a redeploy.
"""

from chalice import Chalice, Rate

from chalicelib.artefacts.routes import artefact_routes  # certificates and sharing (issue 11)
from chalicelib.bank.routes import bank_routes  # question bank (issue 10)
from chalicelib.container import get_services
from chalicelib.exports.routes import export_routes, run_background_export  # Excel exports (issue 11)
from chalicelib.files import BINARY_TYPES
from chalicelib.http import answer_unknown_paths, logger, refuse_other_methods
from chalicelib.participation.routes import participation_routes  # rosters and participation (issue 11)
from chalicelib.routes.admin import admin_routes
from chalicelib.routes.item_statistics import item_statistics_routes
from chalicelib.routes.participant import participant_routes
from chalicelib.routes.web import web_routes
from chalicelib.settings import get_settings
from chalicelib.stream import count_submissions

app = Chalice(app_name="songcong-contest")
app.api.binary_types.extend(BINARY_TYPES)
app.register_blueprint(participant_routes)
app.register_blueprint(admin_routes)
app.register_blueprint(item_statistics_routes)
app.register_blueprint(web_routes)
app.register_blueprint(artefact_routes)  # certificates and sharing (issue 11)
app.register_blueprint(participation_routes)  # rosters and participation (issue 11)
app.register_blueprint(export_routes)  # Excel exports (issue 11)
app.register_blueprint(bank_routes)  # question bank (issue 10)
refuse_other_methods(app)
answer_unknown_paths(app)  # behind the HTTP API: its $default route


@app.lambda_function(name="build-export")
def build_export(event, context):
    run_background_export(event)


@app.schedule(Rate(5, unit=Rate.MINUTES), name="close-and-rank-rounds")
def close_and_rank_rounds(event):
    logger.info("close-and-rank", extra={"done": get_services().lifecycle.close_and_rank_due()})
    logger.info("item-statistics", extra={"kept": get_services().item_statistics.keep_closed_rounds()})


@app.schedule(Rate(5, unit=Rate.MINUTES), name="publish-results")
def publish_results(event):
    logger.info("publish", extra={"done": get_services().lifecycle.publish_due()})


@app.on_dynamodb_record(
    stream_arn=get_settings().attempts_stream_arn, batch_size=100, name="count-submissions"
)
def count_submitted_attempts(event):
    services = get_services()
    records = event.to_dict().get("Records", [])
    logger.info("stream", extra=count_submissions(records, services.repository))
