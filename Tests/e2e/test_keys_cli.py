"""The operator's key commands (`digitalmeet keys …`) against a server in use, on each database."""

import re

import pytest


def key_rows(status_output: str) -> list[dict[str, str]]:
    """Parses the data key table of `keys status`."""
    rows = []
    for line in status_output.splitlines():
        fields = line.split()
        if len(fields) == 7 and fields[0].isdigit():
            rows.append(dict(zip(["id", "scope", "purpose", "state", "age", "encryptions", "rows"], fields)))
    return rows


def keys(run_cli, server, *args: str, name: str):
    completed = run_cli(["keys", *args], server.environment(), name=name, timeout=120)
    assert completed.returncode == 0, completed.stderr
    return completed.stdout


def test_key_rotations_keep_data_readable_while_the_server_runs(make_server, backend_name, run_cli):
    server = make_server(backend_name)
    owner = server.complete_setup()
    user_scope = f"user:{owner['userId'].lower()}"

    status = keys(run_cli, server, "status", name="status-1")
    assert re.search(r"current version 1\b", status)
    rows = key_rows(status)
    personal = [row for row in rows if row["scope"] == user_scope]
    assert len(personal) == 1 and personal[0]["state"] == "active" and personal[0]["rows"] == "1"
    assert any(row["purpose"] == "blind-index" for row in rows)

    # Master key rotation: a new version in the key file, every data key re-wrapped, data untouched.
    key_file_before = server.master_key_path.read_text()
    output = keys(run_cli, server, "rotate-kek", name="rotate-kek")
    assert "Master key version 2 added; 2 data keys re-wrapped" in output
    key_file_after = server.master_key_path.read_text()
    assert key_file_after.startswith(key_file_before.split("kek 1")[0])
    assert "kek 1 " in key_file_after and "kek 2 " in key_file_after
    assert oct(server.master_key_path.stat().st_mode & 0o777) == "0o600"
    status = keys(run_cli, server, "status", name="status-2")
    assert "version 1: wraps 0 data keys" in status and "version 2: wraps 2 data keys" in status

    # Data key rotation for the owner's personal key: the row moves to the new key, the old one is retired.
    output = keys(run_cli, server, "rotate-dek", "--user", owner["userId"], name="rotate-dek")
    assert "Re-encrypted 1 rows" in output
    rows = key_rows(keys(run_cli, server, "status", name="status-3"))
    personal = {row["state"]: row for row in rows if row["scope"] == user_scope}
    assert personal["retired"]["rows"] == "0"
    assert personal["active"]["rows"] == "1"

    # The running server still works with the rotated keys (it reloads the key file by itself).
    assert server.setup_status() is False
    server.restart()
    assert server.setup_status() is False
    assert server.setup_link is None


def test_rotate_dek_needs_exactly_one_scope(make_server, run_cli):
    server = make_server()
    for args in (["keys", "rotate-dek"], ["keys", "rotate-dek", "--org", "x"]):
        completed = run_cli(args, server.environment(), name="rotate-dek-usage")
        assert completed.returncode != 0
        assert "Error" in completed.stderr or "error" in completed.stderr


def test_rotate_kek_refuses_a_key_from_the_environment(make_server, run_cli):
    server = make_server()
    env = server.environment()
    env["DIGITALMEET_MASTER_KEY"] = server.master_key_path.read_text()
    completed = run_cli(["keys", "rotate-kek"], env, name="rotate-kek-env")
    assert completed.returncode == 78
    assert "DIGITALMEET_MASTER_KEY" in completed.stderr and "keys rewrap" in completed.stderr
