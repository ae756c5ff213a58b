"""The ASGI application: GraphQL, health checks, and the lifespan that opens the database."""

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

from starlette.applications import Starlette
from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response, StreamingResponse
from starlette.routing import Route, WebSocketRoute
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.types.unset import UnsetType

from app.auth import actor_for_key
from app.bootstrap import ensure_demo_org
from app.database import Database
from app.settings import Settings
from importers.worker import work, worker_name
from resolvers.error_report import as_csv, as_xlsx, error_report
from resolvers.errors import Forbidden
from resolvers.imports import ImportLimits, template_workbook
from schema import build_schema
from schema.context import Context
from schema.ids import from_global_id

log = logging.getLogger(__name__)

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
UNAUTHORIZED = JSONResponse({"error": "A valid API key is required."}, status_code=401,
                            headers={"WWW-Authenticate": "Bearer"})


class GraphQLApp(GraphQL[Context, None]):
    import_limits: ImportLimits

    async def get_context(self, request: Request | WebSocket, response: Any) -> Context:
        return Context(authenticated=request.scope.get("sitebook.actor"),
                       import_limits=self.import_limits)

    async def on_ws_connect(self, context: Context) -> UnsetType | dict[str, object] | None:
        """A websocket client may send its key in connection_init: {"Authorization": ...}."""
        if context.authenticated is None:
            params = {k.lower(): v for k, v in context.connection_params.items()}
            scheme, _, key = str(params.get("authorization", "")).partition(" ")
            if scheme.lower() == "bearer":
                context.authenticated = await actor_for_key(key.strip())
            if context.authenticated is None:
                raise ConnectionRejectionError()
        return {}


def bearer_key(headers: Headers) -> str | None:
    scheme, _, key = headers.get("authorization", "").partition(" ")
    return key.strip() if scheme.lower() == "bearer" and key.strip() else None


class GraphQLEndpoint:
    """Operations need a valid key (else HTTP 401). Queries via GET are off
    (they invite CSRF), so a GET only serves the GraphiQL page, when enabled.
    """

    def __init__(self, graphql: GraphQLApp, graphiql: bool) -> None:
        self.graphql = graphql
        self.graphiql = graphiql

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] in ("GET", "HEAD"):
            response: Response = (
                await self.graphql.render_graphql_ide(Request(scope))
                if self.graphiql
                else PlainTextResponse("Send GraphQL operations by POST.", status_code=405,
                                       headers={"Allow": "POST"})
            )
            await response(scope, receive, send)
            return
        key = bearer_key(Headers(scope=scope))
        if scope["type"] == "websocket" and key is not None:
            scope["sitebook.actor"] = await actor_for_key(key)
        if scope["type"] == "http":
            actor = None if key is None else await actor_for_key(key)
            if actor is None:
                response = JSONResponse(
                    {"errors": [{"message": "A valid API key is required "
                                 "(Authorization: Bearer sbk_...)."}]},
                    status_code=401,
                    headers={"WWW-Authenticate": "Bearer"},
                )
                await response(scope, receive, send)
                return
            scope["sitebook.actor"] = actor
        await self.graphql(scope, receive, send)


def create_app(settings: Settings | None = None) -> Starlette:
    settings = settings or Settings()
    database = Database(settings)
    graphql = GraphQLApp(
        build_schema(),
        graphql_ide="graphiql" if settings.graphiql else None,
        allow_queries_via_get=False,
        multipart_uploads_enabled=True,
    )
    graphql.import_limits = settings.import_limits

    async def import_template(request: Request) -> Response:
        actor = await actor_for_key(bearer_key(request.headers) or "")
        if actor is None:
            return UNAUTHORIZED
        try:
            workbook = await template_workbook(actor)
        except Forbidden:
            return JSONResponse({"error": "Your API key's role may not import."},
                                status_code=403)
        return Response(workbook, media_type=XLSX_TYPE, headers={
            "Content-Disposition": 'attachment; filename="import-template.xlsx"'})

    async def import_errors(request: Request) -> Response:
        actor = await actor_for_key(bearer_key(request.headers) or "")
        if actor is None:
            return UNAUTHORIZED
        if request.path_params["format"] not in ("csv", "xlsx"):
            return JSONResponse({"error": "Ask for errors.csv or errors.xlsx."}, status_code=404)
        job_id = from_global_id(request.path_params["job_id"], "ImportJob")
        try:
            sheets = await error_report(actor, job_id)
        except Forbidden:
            sheets = None
        if sheets is None:
            return JSONResponse({"error": "Import job not found."}, status_code=404)
        name = f"import-errors-{request.path_params['job_id']}"
        if request.path_params["format"] == "csv":
            return StreamingResponse(as_csv(sheets), media_type="text/csv; charset=utf-8",
                                     headers={"Content-Disposition":
                                              f'attachment; filename="{name}.csv"'})
        return Response(as_xlsx(sheets), media_type=XLSX_TYPE, headers={
            "Content-Disposition": f'attachment; filename="{name}.xlsx"'})

    async def healthz(_: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def readyz(_: Request) -> Response:
        ready = await database.ready()
        return JSONResponse(
            {"status": "ready" if ready else "database unavailable"},
            status_code=200 if ready else 503,
        )

    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        await database.open()
        if database.is_embedded:
            await ensure_demo_org(settings)
        stop = asyncio.Event()
        lease = timedelta(seconds=settings.import_lease_seconds)
        workers = [asyncio.create_task(work(database.db, worker_name(n), stop, lease))
                   for n in range(settings.import_workers)]
        try:
            yield
        finally:
            stop.set()
            await asyncio.gather(*workers)
            await database.close()

    endpoint = GraphQLEndpoint(graphql, settings.graphiql)
    app = Starlette(
        routes=[
            Route("/graphql", endpoint),
            WebSocketRoute("/graphql", endpoint),  # subscriptions (graphql-transport-ws)
            Route("/import-template.xlsx", import_template),
            Route("/imports/{job_id}/errors.{format:str}", import_errors),
            Route("/healthz", healthz),
            Route("/readyz", readyz),
        ],
        lifespan=lifespan,
    )
    app.state.database = database
    app.state.settings = settings
    return app
