"""Benchmark, not a test (pytest collects it only when named): the time from the Join click to the
first remote video frame decoded, five times, with one person already sending (two Chromiums, fake
devices, loopback). Run it on a quiet machine against the build you want to measure:

    DIGITALMEET_BINARY=.build/release/digitalmeet .venv-e2e/bin/python -m pytest -q -s -k sqlite Tests/e2e/bench_join_latency.py
"""
import statistics
import time

from browser import Browser, sign_in
from signaling import MEMBERS, create_meeting, world  # noqa
from test_meeting_ui import SLOW, in_room, join_as, join_page, join_to_first_frame


def test_join_to_first_remote_frame(world, artifacts_dir):
    alan = MEMBERS["alan"]
    results = []
    for attempt in range(5):
        meeting = create_meeting(world.members["alan"], f"Latency {attempt}", waitingRoom="off")
        host = Browser(artifacts_dir)
        sign_in(host, world.server, alan["email"], alan["password"])
        host.wait_for(lambda: "/account" in host.driver.current_url, timeout=SLOW)
        join_page(host, world.server, meeting["id"])
        host.wait_for(lambda: host.driver.execute_script("return document.getElementById('preview-video').videoWidth") > 0, timeout=SLOW)
        join_as(host)
        host.wait_for(lambda: in_room(host), timeout=SLOW)
        guest = Browser(artifacts_dir)
        join_page(guest, world.server, meeting["id"])
        guest.wait_for(lambda: guest.driver.execute_script("return document.getElementById('preview-video').videoWidth") > 0, timeout=SLOW)
        time.sleep(2)  # the host's video is flowing before Rita joins
        join_as(guest, "Rita Guest")
        guest.wait_for(lambda: join_to_first_frame(guest) is not None, timeout=SLOW)
        results.append(join_to_first_frame(guest))
        print("join -> first frame", results[-1], "ms", flush=True)
        host.close(); guest.close()
    print("median", statistics.median(results), "all", results, flush=True)
