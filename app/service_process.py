"""One of `sitebook serve --workers N`'s service processes (started by app.supervisor).

    python -m app.service_process --socket-fd FD --control-fd FD

It serves the app under uvicorn on the socket the supervisor bound for it (it
listens once the app has started), with the database at MONGODB_URI (the
supervisor's), and follows the database's state on the control pipe (see
Database.follow). Not a command for people.
"""

import argparse
import logging
import socket
import sys


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m app.service_process")
    parser.add_argument("--socket-fd", type=int, required=True)
    parser.add_argument("--control-fd", type=int, required=True)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    import uvicorn

    from app.access_log import log_config
    from app.asgi import create_app

    app = create_app()
    app.state.database.follow(args.control_fd)
    listener = socket.socket(fileno=args.socket_fd)
    server = uvicorn.Server(uvicorn.Config(app, log_level="info", log_config=log_config()))
    server.run(sockets=[listener])
    if not server.started:
        sys.exit(3)  # uvicorn's STARTUP_FAILURE: the lifespan failed


if __name__ == "__main__":
    main()
