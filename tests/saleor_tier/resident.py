"""One long-lived `python -m django` in Saleor's settings that runs the tier's management commands.

Each command line read on stdin (a JSON list of arguments) runs through
`execute_from_command_line`, as `python -m django <args>` would (system checks included), with
its stdout and stderr captured; the answer is one JSON line. Saleor's import and start-up (about
9 s of CPU a command) are paid once instead of for every one of the tier's ~20 commands. Database
connections are closed after each command, so every command starts on a fresh one as a new
process would. Started by saleor_env.django_admin; commands with their own environment still run
as their own process.
"""

import contextlib
import io
import json
import os
import sys
import traceback

sys.path[0] = os.getcwd()  # as `python -m django` has it: the working directory, not this folder

import django  # noqa: E402

REPLY = sys.stdout  # the protocol's channel; commands print into buffers


def run(args: list[str]) -> dict:
    from django.core.management import execute_from_command_line
    from django.db import connections

    out, err, code = io.StringIO(), io.StringIO(), 0
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            execute_from_command_line(["django", *args])
        except SystemExit as exc:  # CommandError and argparse errors end here, as in the CLI
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        except BaseException:  # noqa: BLE001 — reported to the caller, like a crashed process
            traceback.print_exc()
            code = 1
        finally:
            connections.close_all()
    return {"returncode": code, "stdout": out.getvalue(), "stderr": err.getvalue()}


def main() -> None:
    django.setup()
    REPLY.write(json.dumps({"ready": True}) + "\n")
    REPLY.flush()
    for line in sys.stdin:
        REPLY.write(json.dumps(run(json.loads(line))) + "\n")
        REPLY.flush()


if __name__ == "__main__":
    main()
