"""A whole demo session from a script, in-process: what a newcomer would type, and what the console shows."""

import io
import re
import threading

import pytest

from sandbox.console import main

SESSION = """\
:help
/flowroute help
/flowroute numbers search --starts-with 1206555 --ends-with 0142
click Buy
n
click Buy
y
/flowroute numbers show 12065550142
click Set routes
office-pbx (host)
noc-uri (SIP URI)
/flowroute e911 create
Demo office
Jane
Roe
1218
3rd Ave


Seattle
wa

9810
98101
/flowroute e911 associate 12065550142 100
/flowroute numbers show 12065550142
/flowroute sms 12065550142 12065559876 Hello from the console test
click Send
/flowroute inbox subscribe 12065550142 here
:sms 12065559876 12065550142 Is the <office> open & staffed?
:poll
:user bob
/flowroute numbers release 12065550142
/flowroute routes set 12065550142
:user alice
:quit
this line is never read
"""


@pytest.fixture
def session(tmp_path):
    """Run SESSION through the console's main() and return (exit status, output)."""
    script = tmp_path / "session.txt"
    script.write_text(SESSION, encoding="utf-8")
    out = io.StringIO()
    before = set(threading.enumerate())
    status = main(["--script", str(script), "--poll-seconds", "3600"], stdout=out)
    leftover = [t.name for t in set(threading.enumerate()) - before
                if t.is_alive() and not t.name.startswith("waitress-")]  # HttpServer.stop leaves waitress's pool
    return status, out.getvalue(), leftover


def between(output: str, start: str, end: str) -> str:
    """The output from the echoed line `start` up to the echoed line `end`."""
    head = output.index(start)
    return output[head:output.index(end, head + len(start))]


def test_scripted_demo_session(session):
    status, out, leftover = session
    assert status == 0
    assert leftover == []
    assert "flowroute-slack-ops demo" in out and "You are alice (admin) in #ops." in out
    assert ":sms FROM TO TEXT" in between(out, "alice@#ops> :help", "alice@#ops> /flowroute help")
    assert "/flowroute numbers search" in between(out, "alice@#ops> /flowroute help", "alice@#ops> /flowroute numbers")

    # Search shows numbered Buy buttons; the confirm dialog is asked before anything is sent.
    bought = between(out, "> /flowroute numbers search", "> /flowroute numbers show")
    assert re.search(r"\+1 206-555-0142 .*\n.*\[\d+\] Buy", bought)
    assert "┌ Buy this number?" in bought and "└ y = Buy, n = Cancel" in bought
    assert "Confirm? [y/n] n\nCancelled.\nalice@#ops> click Buy" in bought  # declining sends nothing
    assert bought.count("bought +1 206-555-0142") == 1  # said once, in the channel
    assert "Bought +1 206-555-0142." in bought  # the private list: its row marked
    assert "Confirm? [y/n] y" in bought
    assert "bought +1 206-555-0142" in bought
    assert "✅ @alice numbers buy +1 206-555-0142: done" in bought  # the audit channel's post

    # The number's details carry a Set routes button; it opens a Loading… modal that becomes the form.
    routes = between(out, "> /flowroute numbers show 12065550142", "> /flowroute e911 create")
    assert "[" in routes and "] Set routes" in routes
    assert "╔ Set number routes" in routes and "Primary route" in routes
    assert "Loading the routes" not in routes  # the form shown is the updated view, not the placeholder
    assert "Primary route [sip-reg (registered SIP device)]: office-pbx (host)" in routes
    assert "set the routes of +1 206-555-0142: primary office-pbx (host), failover noc-uri (SIP URI)" in routes

    # The E911 form: optional fields skipped, a ZIP the bot rejects is shown and asked again.
    e911 = between(out, "> /flowroute e911 create", "> /flowroute e911 associate")
    assert "╔ New E911 address" in e911
    assert "Address type (optional): \n" in e911
    assert "⚠️  Use a 5-digit ZIP (or ZIP+4)." in e911
    assert "created E911 address `100`: Demo office" in e911
    associated = between(out, "> /flowroute e911 associate", "> /flowroute sms")
    assert "Demo office" in associated and "+1 206-555-0142" in associated
    assert "1218 3rd Ave" in associated  # the second `numbers show` lists the new address

    sms = between(out, "> /flowroute sms", "> /flowroute inbox subscribe")
    assert "┌ Send SMS?" not in sms  # the preview is the confirmation: no second dialog
    assert "Sent an SMS +1 206-555-0142 → +1 206-555-9876" in sms

    # Subscribe #ops, an inbound SMS arrives at the sandbox, a poll relays it, and it is rendered escaped.
    inbound = between(out, "> /flowroute inbox subscribe", "> :user bob")
    assert "Inbound SMS/MMS for +1 206-555-0142 will be posted in #ops" in inbound
    assert "inbound SMS 12065559876 → 12065550142 arrived as mdr2-" in inbound
    assert "(polled Flowroute: 1 new inbound message, 1 queued for Slack" in inbound
    assert re.search(r"SMS from \+1 206-555-9876 to \+1 206-555-0142.*\n.*Is the <office> open & staffed\?", inbound)

    # Bob is not an admin: the same kind of writes are refused and nothing is asked.
    refused = between(out, "> :user bob", "> :user alice")
    assert "not an admin" in refused
    assert refused.count("only Flowroute admins can run") == 2
    assert "╔" not in refused and "┌" not in refused
    assert "this line is never read" not in out
