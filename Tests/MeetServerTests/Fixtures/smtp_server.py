#!/usr/bin/env python3
"""A real SMTP server (aiosmtpd) for MailTests, on 127.0.0.1 only.

    smtp_server.py serve --dir DIR [--cert PEM --key PEM [--implicit-tls]] [--require-starttls]
                         [--auth USER:PASSWORD] [--only-login] [--reject-rcpt] [--silent]
    smtp_server.py parse FILE.eml

serve: listens on a free port, writes DIR/port once it accepts connections, and writes every
message it accepts as DIR/N.eml (the bytes received, dot-stuffing undone) and DIR/N.json (the
envelope, whether TLS and AUTH were used, and the message as Python's e-mail parser reads it).
With --cert it offers STARTTLS, or with --implicit-tls speaks TLS from the first byte (port
465 style). It runs until it is terminated, its parent exits, or ten minutes pass. --silent accepts
connections and never answers (timeouts).

parse: prints the JSON summary of an .eml file, so tests can check it with an independent parser.
"""

import argparse
import asyncio
import email
import email.policy
import json
import os
import signal
import socket
import ssl
import sys
import threading
import time

from aiosmtpd.smtp import AuthResult, LoginPassword


def summary(content: bytes) -> dict:
    message = email.message_from_bytes(content, policy=email.policy.default)
    defects = [type(d).__name__ for d in message.defects]
    for name in message.keys():
        defects += [f"{name}: {type(d).__name__}" for d in message[name].defects]
    return {
        "from": str(message["From"]),
        "to": str(message["To"]),
        "subject": str(message["Subject"]),
        "date": str(message["Date"]),
        "message_id": str(message["Message-ID"]),
        "mime_version": str(message["MIME-Version"]),
        "content_type": message.get_content_type(),
        "charset": message.get_content_charset(),
        "transfer_encoding": str(message["Content-Transfer-Encoding"]),
        "body": message.get_content(),
        "defects": defects,
    }


def write_atomically(path: str, data: bytes) -> None:
    with open(path + ".tmp", "wb") as f:
        f.write(data)
    os.rename(path + ".tmp", path)


class Recorder:
    def __init__(self, directory: str, reject_rcpt: bool):
        self.directory = directory
        self.reject_rcpt = reject_rcpt
        self.count = 0
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.reject_rcpt:
            return f"550 5.1.1 <{address}>: Recipient address rejected: User unknown"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.count += 1
            number = self.count
        record = {
            "mail_from": envelope.mail_from,
            "mail_options": envelope.mail_options,
            "rcpt_tos": envelope.rcpt_tos,
            # session.ssl is set by STARTTLS only; with implicit TLS the transport itself is the TLS one.
            "tls": session.ssl is not None or server.transport.get_extra_info("ssl_object") is not None,
            "authenticated": bool(session.authenticated),
            "login": session.auth_data.login.decode() if isinstance(session.auth_data, LoginPassword) else None,
            "message": summary(envelope.content),
        }
        base = os.path.join(self.directory, str(number))
        write_atomically(base + ".eml", envelope.content)
        write_atomically(base + ".json", json.dumps(record, indent=2).encode())
        return "250 2.0.0 OK: queued"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


LIFETIME_SECONDS = 600


def wait_for_the_end(stop: threading.Event) -> None:
    """Returns when told to stop, when the test process that started us is gone, or at the end of our lifetime."""
    parent = os.getppid()
    deadline = time.monotonic() + LIFETIME_SECONDS
    while not stop.wait(0.5):
        if os.getppid() != parent or time.monotonic() > deadline:
            return


def serve_silently(directory: str, stop: threading.Event) -> None:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    held = []

    def accept_forever() -> None:
        while True:
            connection, _ = listener.accept()
            held.append(connection)  # never answered, never closed

    threading.Thread(target=accept_forever, daemon=True).start()
    write_atomically(os.path.join(directory, "port"), str(listener.getsockname()[1]).encode())
    wait_for_the_end(stop)


def serve(arguments) -> None:
    from aiosmtpd.controller import Controller

    # A process started from a thread that blocks signals inherits that mask; SIGTERM must reach us.
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM, signal.SIGINT})
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    if arguments.silent:
        serve_silently(arguments.dir, stop)
        return
    options = {}
    tls_context = None
    if arguments.cert:
        tls_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        tls_context.load_cert_chain(arguments.cert, arguments.key)
    if arguments.implicit_tls:
        options["ssl_context"] = tls_context
        tls_context = None
    if arguments.auth:
        user, password = arguments.auth.split(":", 1)

        def authenticator(server, session, envelope, mechanism, auth_data):
            good = isinstance(auth_data, LoginPassword) and auth_data.login.decode() == user and auth_data.password.decode() == password
            return AuthResult(success=good, handled=False, auth_data=auth_data)

        options.update(authenticator=authenticator, auth_required=True)
        if arguments.only_login:
            options["auth_exclude_mechanism"] = ["PLAIN"]
    controller = None
    for _ in range(20):
        port = free_port()
        try:
            controller = Controller(
                Recorder(arguments.dir, arguments.reject_rcpt),
                hostname="127.0.0.1",
                port=port,
                tls_context=tls_context,
                require_starttls=arguments.require_starttls,
                **options,
            )
            controller.start()
            break
        except (OSError, RuntimeError):
            controller = None
    if controller is None:
        sys.exit("could not listen on a free port")
    write_atomically(os.path.join(arguments.dir, "port"), str(port).encode())
    wait_for_the_end(stop)
    controller.stop()


def main() -> None:
    parser = argparse.ArgumentParser()
    commands = parser.add_subparsers(dest="command", required=True)
    server = commands.add_parser("serve")
    server.add_argument("--dir", required=True)
    server.add_argument("--cert")
    server.add_argument("--key")
    server.add_argument("--implicit-tls", action="store_true")
    server.add_argument("--require-starttls", action="store_true")
    server.add_argument("--auth")
    server.add_argument("--only-login", action="store_true")
    server.add_argument("--reject-rcpt", action="store_true")
    server.add_argument("--silent", action="store_true")
    parse = commands.add_parser("parse")
    parse.add_argument("file")
    arguments = parser.parse_args()
    if arguments.command == "parse":
        with open(arguments.file, "rb") as f:
            print(json.dumps(summary(f.read())))
    else:
        serve(arguments)


if __name__ == "__main__":
    main()
