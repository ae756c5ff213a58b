"""The ASGI application: GraphQL, health checks, and the lifespan that opens the database."""

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import orjson
from cross_web import AsyncHTTPRequestAdapter, HTTPException
from graphql import GraphQLSchema
from pymongo.errors import ConnectionFailure
from starlette.applications import Starlette
from starlette.datastructures import Headers
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response, StreamingResponse
from starlette.routing import Route, WebSocketRoute
from starlette.types import Message, Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.types.unset import UNSET, UnsetType

from app.auth import UNAUTHENTICATED, authenticate
from app.bootstrap import ensure_demo_org
from app.database import Database
from app.settings import Settings
from importers.worker import work, worker_name
from resolvers.actor import Actor, Permission
from resolvers.actor_cache import ACTORS
from resolvers.error_report import as_csv, as_xlsx, error_report
from resolvers.errors import Forbidden
from resolvers.export_worker import work_exports
from resolvers.exports import export_file
from resolvers.imports import ImportLimits, template_workbook
from resolvers.lookup_cache import LOOKUPS
from schema import build_schema
from schema.context import Context
from schema.ids import from_global_id
from schema.limits import cannot_run, refusal

log = logging.getLogger(__name__)

# What a browser page may send: the key, JSON, and the CSRF guard's preflight headers.
CORS_HEADERS = ["Authorization", "Content-Type", "GraphQL-Require-Preflight",
                "Apollo-Require-Preflight"]
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def unauthenticated() -> JSONResponse:
    """HTTP 401, the same on every route."""
    return JSONResponse(UNAUTHENTICATED, status_code=401,
                        headers={"WWW-Authenticate": "Bearer"})


def with_key(
    handler: Callable[[Request, Actor], Awaitable[Response]],
) -> Callable[[Request], Awaitable[Response]]:
    """A route that needs a valid key: `handler` gets its actor; others get 401."""
    async def endpoint(request: Request) -> Response:
        actor = await authenticate(request.headers.get("authorization"))
        if actor is None:
            return unauthenticated()
        return await handler(request, actor)

    return endpoint


class GraphQLApp(GraphQL[Context, None]):
    import_limits: ImportLimits
    read_timeout: float | None = None

    async def get_context(self, request: Request | WebSocket, response: Any) -> Context:
        return Context(authenticated=request.scope.get("sitebook.actor"),
                       import_limits=self.import_limits, read_timeout=self.read_timeout,
                       limits_checked=request.scope.get("sitebook.limits_checked", False))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        try:
            response = await self.run(Request(scope=scope, receive=receive))
        except HTTPException as error:
            # A GraphQL error, as every other refusal (Strawberry answers plain text).
            response = graphql_error(error.reason, error.status_code)
        await response(scope, receive, send)

    def encode_json(self, data: object) -> str:
        """orjson: a page of customers encodes about 10x faster than with json.
        Text, not bytes: Strawberry sends bytes over a websocket as binary frames,
        which graphql-ws clients (browsers) cannot read.
        """
        try:
            return orjson.dumps(data).decode()
        except (orjson.JSONEncodeError, TypeError):
            # What orjson refuses and json takes: integers past 64 bits (a cost).
            return json.dumps(data, separators=(",", ":"))

    def parse_json(self, data: str | bytes) -> Any:
        try:
            return super().parse_json(data)
        except RecursionError:
            raise HTTPException(400, TOO_DEEP) from None

    async def parse_multipart(self, request: AsyncHTTPRequestAdapter) -> dict[str, str]:
        """The multipart request spec's fields; anything else in them is the
        client's mistake (Strawberry trusts their shapes, and crashed on some).
        """
        try:
            operations = await super().parse_multipart(request)
        except (AttributeError, TypeError, IndexError, ValueError) as error:
            raise HTTPException(400, MALFORMED_MULTIPART) from error
        if not isinstance(operations, dict | list):
            raise HTTPException(400, MALFORMED_MULTIPART)
        return operations

    async def run(self, request: Any, context: Any = UNSET, root_value: Any = UNSET) -> Any:
        try:
            return await super().run(request, context, root_value)
        finally:
            # Uploads of a request refused before any resolver read them stay open
            # in temporary files until garbage collection, unless closed here.
            if isinstance(request, Request):
                await request.close()

    async def on_ws_connect(self, context: Context) -> UnsetType | dict[str, object] | None:
        """A websocket client may send its key in connection_init: {"Authorization": ...}."""
        if context.authenticated is None:
            params = {k.lower(): v for k, v in context.connection_params.items()}
            context.authenticated = await authenticate(str(params.get("authorization", "")))
            if context.authenticated is None:
                raise ConnectionRejectionError()
        return {}


TOO_DEEP = "The request body's JSON is nested too deeply to read."
MALFORMED_MULTIPART = (
    "The multipart request does not follow the GraphQL multipart request spec: `operations` "
    "must be a JSON object (or list), and `map` a JSON object of file field names to lists "
    "of paths (like \"variables.file\") that lead to null values in `operations`.")


def graphql_error(message: str, status_code: int, **extensions: Any) -> JSONResponse:
    error: dict[str, Any] = {"message": message}
    if extensions:
        error["extensions"] = extensions
    return JSONResponse({"errors": [error]}, status_code=status_code)


# Content types a browser may POST cross-site without a CORS preflight.
SIMPLE_CONTENT_TYPES = ("multipart/form-data", "application/x-www-form-urlencoded", "text/plain")
PREFLIGHT_HEADERS = ("graphql-require-preflight", "apollo-require-preflight")
NEEDS_PREFLIGHT = JSONResponse(
    {"errors": [{"message": "A multipart or form POST must carry a GraphQL-Require-Preflight "
                            "(or Apollo-Require-Preflight) header, so that another site cannot "
                            "send it from a browser (CSRF)."}]},
    status_code=400)
# A query is at most MAX_TOKENS tokens; this leaves room for variables too.
MAX_JSON_BODY = 1024 * 1024


def _replay(body: bytes, receive: Receive) -> Receive:
    """A `receive` that hands the app a body already read, then defers to the client."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if sent:
            return await receive()
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replay


class BodyTooLarge(Exception):
    pass


def _capped(receive: Receive, limit: int) -> Receive:
    """A `receive` that stops a body (sent without a length, or lying about it)
    once it passes `limit` bytes, before the parser spools it all to disk.
    """
    seen = 0

    async def capped() -> Message:
        nonlocal seen
        message = await receive()
        seen += len(message.get("body", b""))
        if seen > limit:
            raise BodyTooLarge()
        return message

    return capped


def _too_large(limit: int) -> Response:
    return JSONResponse({"errors": [{"message": f"The request body is over {limit:,} bytes; "
                                                "that is the most one request may send."}]},
                        status_code=413)


GRAPHQL_RESPONSE = "application/graphql-response+json"


def _lowercase_media_type(scope: Scope) -> None:
    """Media types are case-insensitive (RFC 9110), so `Application/JSON` is JSON.
    Only the type is lowercased: a multipart boundary is case-sensitive.
    """
    headers = []
    for name, value in scope["headers"]:
        if name.lower() == b"content-type":
            media_type, separator, parameters = value.partition(b";")
            value = media_type.strip().lower() + separator + parameters
        headers.append((name, value))
    scope["headers"] = headers


def _accepts_graphql_response(headers: Headers) -> bool:
    for item in headers.get("accept", "").split(","):
        media_type, *parameters = (part.strip().lower() for part in item.split(";"))
        if media_type == GRAPHQL_RESPONSE and "q=0" not in parameters:
            return True
    return False


def _graphql_response_status(status: int, body: bytes) -> int:
    """GraphQL over HTTP: with application/graphql-response+json, a response
    without data (the request failed before execution) is a 400.
    """
    if status != 200:
        return status
    try:
        answer = json.loads(body)
    except ValueError:
        return status
    if isinstance(answer, dict) and answer.get("data") is None and answer.get("errors") and \
            not any(isinstance(e, dict) and "path" in e for e in answer["errors"]):
        return 400
    return status


def _answering_graphql_response(send: Send) -> Send:
    """A `send` that answers a JSON response as application/graphql-response+json,
    with the status the GraphQL over HTTP spec gives it.
    """
    start: Message | None = None
    body: list[bytes] = []

    async def answer(message: Message) -> None:
        nonlocal start
        if message["type"] == "http.response.start":
            content_type = Headers(raw=message["headers"]).get("content-type", "")
            if content_type.split(";")[0].strip().lower() == "application/json":
                start = message
                return
        elif message["type"] == "http.response.body" and start is not None:
            body.append(message.get("body", b""))
            if message.get("more_body"):
                return
            payload = b"".join(body)
            headers = [(name, value) for name, value in start["headers"]
                       if name.lower() != b"content-type"]
            headers.append((b"content-type", f"{GRAPHQL_RESPONSE}; charset=utf-8".encode()))
            await send({**start, "status": _graphql_response_status(start["status"], payload),
                        "headers": headers})
            await send({"type": "http.response.body", "body": payload})
            return
        await send(message)

    return answer


class GraphQLEndpoint:
    """Operations need a valid key (else HTTP 401). Queries via GET are off
    (they invite CSRF), so a GET only serves the GraphiQL page, when enabled.
    A form or multipart POST needs a preflight header (CSRF), and a JSON
    document over the limits is refused before its key costs a database command.
    """

    def __init__(self, graphql: GraphQLApp, graphiql: bool, schema: GraphQLSchema) -> None:
        self.graphql = graphql
        self.graphiql = graphiql
        self.schema = schema
        # Room for the operations and map fields around the file itself.
        self.upload_limit = graphql.import_limits.max_bytes + 1024 * 1024

    async def _refusal(self, scope: Scope, receive: Receive) -> tuple[Response | None, Receive]:
        """The answer to a POST refused before authentication, if it is; and the
        `receive` to run it with otherwise.
        """
        headers = Headers(scope=scope)
        content_type = headers.get("content-type", "").split(";")[0].strip().lower()
        if content_type in SIMPLE_CONTENT_TYPES:
            if not any(name in headers for name in PREFLIGHT_HEADERS):
                return NEEDS_PREFLIGHT, receive
            declared = headers.get("content-length", "")
            if declared.isdigit() and int(declared) > self.upload_limit:
                return _too_large(self.upload_limit), receive
            return None, _capped(receive, self.upload_limit)
        if content_type != "application/json":
            return None, receive
        body = b""
        async for chunk in Request(scope, receive).stream():
            body += chunk
            if len(body) > MAX_JSON_BODY:
                return _too_large(MAX_JSON_BODY), receive
        try:
            request = json.loads(body)
        except ValueError:
            request = None  # Strawberry explains what is wrong with it
        except RecursionError:
            return graphql_error(TOO_DEEP, 400), receive
        if isinstance(request, dict) and isinstance(request.get("query"), str):
            variables = request.get("variables")
            errors = refusal(self.schema, request["query"],
                             variables if isinstance(variables, dict) else {})
            if errors:
                answer: dict[str, Any] = {"data": None,
                                          "errors": [error.formatted for error in errors]}
                costs = [(e.extensions or {})["cost"] for e in errors
                         if "cost" in (e.extensions or {})]
                if costs:
                    answer["extensions"] = {"cost": costs[0]}
                # A document that cannot run is a bad request; one that asks for too
                # much is answered as validation errors are (200 for application/json;
                # application/graphql-response+json turns it into 400, see _answering).
                return JSONResponse(answer, status_code=400 if cannot_run(errors) else 200), \
                    receive
            scope["sitebook.limits_checked"] = True
        return None, _replay(body, receive)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            _lowercase_media_type(scope)
            if _accepts_graphql_response(Headers(scope=scope)):
                send = _answering_graphql_response(send)
        if scope["type"] == "http" and scope["method"] in ("GET", "HEAD"):
            response: Response = (
                await self.graphql.render_graphql_ide(Request(scope))
                if self.graphiql
                else PlainTextResponse("Send GraphQL operations by POST.", status_code=405,
                                       headers={"Allow": "POST"})
            )
            await response(scope, receive, send)
            return
        if scope["type"] == "http":
            refused, receive = await self._refusal(scope, receive)
            if refused is not None:
                await refused(scope, receive, send)
                return
        # A websocket without the header may still send its key in connection_init.
        actor = await authenticate(Headers(scope=scope).get("authorization"))
        if scope["type"] == "http" and actor is None:
            await unauthenticated()(scope, receive, send)
            return
        scope["sitebook.actor"] = actor
        try:
            await self.graphql(scope, receive, send)
        except BodyTooLarge:
            # Raised while the form is read, before any response has started.
            await _too_large(self.upload_limit)(scope, receive, send)


DATABASE_DOWN = {"errors": [{
    "message": "The database is unavailable (restarting); try again in a few seconds.",
    "extensions": {"code": "DATABASE_UNAVAILABLE"}}]}


class DatabaseGuard:
    """While the database is down, every request but the health checks gets a
    503 with a GraphQL-shaped error at once, instead of waiting for a server
    selection timeout and a plain-text 500; so does a request that meets the
    outage on its way (before its answer has started).
    """

    UNGUARDED = ("/healthz", "/readyz")

    def __init__(self, app: Any, database: Database) -> None:
        self.app = app
        self.database = database

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in self.UNGUARDED:
            await self.app(scope, receive, send)
            return
        unavailable = JSONResponse(DATABASE_DOWN, status_code=503, headers={"Retry-After": "5"})
        if self.database.down:
            await unavailable(scope, receive, send)
            return
        started = False

        async def tracked(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, tracked)
        except ConnectionFailure:
            if started:
                raise
            log.warning("%s %s: the database is unavailable (503)", scope["method"],
                        scope["path"])
            await unavailable(scope, receive, send)


def create_app(settings: Settings | None = None) -> Starlette:
    settings = settings or Settings()
    database = Database(settings)
    schema = build_schema(introspection=settings.env != "production")
    graphql = GraphQLApp(
        schema,
        graphql_ide="graphiql" if settings.graphiql else None,
        allow_queries_via_get=False,
        multipart_uploads_enabled=True,
        # A browser's websocket handshake from another origin: the same list as CORS.
        allowed_origins=settings.allowed_origins,
    )
    graphql.import_limits = ImportLimits(settings.max_upload_bytes, settings.max_import_rows,
                                         settings.max_import_columns)
    ACTORS.seconds = settings.key_cache_seconds
    LOOKUPS.seconds = settings.lookup_cache_seconds
    graphql.read_timeout = settings.read_timeout_seconds

    @with_key
    async def import_template(request: Request, actor: Actor) -> Response:
        try:
            workbook = await template_workbook(actor)
        except Forbidden:
            return JSONResponse({"error": "Your API key's role may not import."},
                                status_code=403)
        return Response(workbook, media_type=XLSX_TYPE, headers={
            "Content-Disposition": 'attachment; filename="import-template.xlsx"'})

    @with_key
    async def import_errors(request: Request, actor: Actor) -> Response:
        report = request.path_params["report"]
        if request.path_params["format"] not in ("csv", "xlsx") or report not in (
                "errors", "warnings"):
            return JSONResponse({"error": "Ask for errors.csv, errors.xlsx, warnings.csv or "
                                 "warnings.xlsx."}, status_code=404)
        job_id = from_global_id(request.path_params["job_id"], "ImportJob")
        try:
            sheets = await error_report(actor, job_id, report)
        except Forbidden as exc:
            if actor.can(Permission.READ_IMPORTS):  # the job is visible, its rows are not
                return JSONResponse({"error": str(exc)}, status_code=403)
            sheets = None
        if sheets is None:
            return JSONResponse({"error": "Import job not found."}, status_code=404)
        name = f"import-{report}-{request.path_params['job_id']}"
        if request.path_params["format"] == "csv":
            return StreamingResponse(as_csv(sheets), media_type="text/csv; charset=utf-8",
                                     headers={"Content-Disposition":
                                              f'attachment; filename="{name}.csv"'})
        return Response(as_xlsx(sheets), media_type=XLSX_TYPE, headers={
            "Content-Disposition": f'attachment; filename="{name}.xlsx"'})

    @with_key
    async def export_download(request: Request, actor: Actor) -> Response:
        job_id = from_global_id(request.path_params["job_id"], "ExportJob")
        try:
            found = await export_file(actor, job_id)
        except Forbidden:
            return JSONResponse({"error": "Your API key's role may not export this."},
                                status_code=403)
        if found is None:
            return JSONResponse({"error": "Export not found (or expired)."}, status_code=404)
        job, chunks = found
        if chunks is None:
            return JSONResponse({"error": f"The export is {job.status.value}, not ready yet."},
                                status_code=409)
        media = XLSX_TYPE if job.format.value == "XLSX" else "text/csv; charset=utf-8"
        return StreamingResponse(chunks, media_type=media, headers={
            "Content-Disposition": f'attachment; filename="{job.file_name}"'})

    async def healthz(_: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def readyz(_: Request) -> Response:
        ready = not database.down and await database.ready()
        return JSONResponse(
            {"status": "ready" if ready else "database unavailable"},
            status_code=200 if ready else 503,
        )

    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        await database.open()
        if database.is_embedded:
            await ensure_demo_org(settings)
        watch = asyncio.create_task(database.watch())
        stop = asyncio.Event()
        workers = [asyncio.create_task(work(database.db, worker_name(n), stop,
                                            settings.import_lease,
                                            patience=settings.import_patience))
                   for n in range(settings.import_workers)]
        workers += [asyncio.create_task(work_exports(database.db, worker_name(n), stop))
                    for n in range(settings.export_workers)]
        try:
            yield
        finally:
            stop.set()
            await asyncio.gather(*workers)
            watch.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watch
            await database.close()

    endpoint = GraphQLEndpoint(graphql, settings.graphiql, schema._schema)
    app = Starlette(
        routes=[
            Route("/graphql", endpoint),
            WebSocketRoute("/graphql", endpoint),  # subscriptions (graphql-transport-ws)
            Route("/import-template.xlsx", import_template),
            Route("/imports/{job_id}/{report:str}.{format:str}", import_errors),
            Route("/exports/{job_id}/file", export_download),
            Route("/healthz", healthz),
            Route("/readyz", readyz),
        ],
        lifespan=lifespan,
        middleware=[
            # Browser pages on the named origins may call the API; the preflight is
            # answered here, before any key is asked for (a browser sends none with it).
            Middleware(CORSMiddleware, allow_origins=settings.allowed_origins,
                       allow_methods=["GET", "POST"], allow_headers=CORS_HEADERS,
                       max_age=600),
            Middleware(GZipMiddleware, minimum_size=1024),
            Middleware(DatabaseGuard, database=database),
        ],
    )
    app.state.database = database
    app.state.settings = settings
    return app
