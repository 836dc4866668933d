"""The console's own `:` commands: they drive the console and the fakes behind it, and never reach the bot.

`:sms` and `:mms` make a message arrive at the Flowroute sandbox as a customer's phone would; the relay posts
it on its next poll (or at once with `:poll`), and `:reply` answers in the thread it started.
"""

from __future__ import annotations

import os
import re
import time

from blocks.text import number_text
from sandbox.console import render
from sandbox.console.demo import SLASH

QUIT = (":quit", ":q", ":exit")


def console_command(console, line: str) -> bool:
    """Run one `:` line; False means quit."""
    name, _, rest = line.partition(" ")
    name, rest = name.lower(), rest.strip()
    if name in QUIT:
        return False
    run = CONSOLE_COMMANDS.get(name, ("", "", None))[2]
    if run is None:
        console.emit(f"Unknown console command {name}; :help lists them.")
    else:
        run(console, rest)
    return True


def show_help(console, _rest: str) -> None:
    usages = {name: f"{name} {args}".strip() for name, (args, _text, _run) in CONSOLE_COMMANDS.items()}
    width = max(len(usage) for usage in usages.values())
    console.emit([console.style.bold("Console commands") + " (never sent to the bot):"]
                 + [f"  {usages[name].ljust(width)}  {text}" for name, (_args, text, _run) in CONSOLE_COMMANDS.items()]
                 + [f"Anything starting with {SLASH} goes to the bot as the slash command; other text is posted",
                    "in the channel as a message. Buttons show as [N]: type N (or click N, or click LABEL for",
                    "the newest button with that label) to press one.",
                    f"{SLASH} help lists the bot's commands."])


def switch_channel(console, rest: str) -> None:
    if not rest:
        console.emit("Channels: " + ", ".join(f"#{name}" for name in sorted(console.channels)))
        return

    def create(channel_id: str, name: str) -> None:
        console.stack.slack.add_channel(channel_id, name)
        console.note(f"(created #{name}, {channel_id}; the bot is a member)")

    channel_id = _find_or_add(console, rest, console.channels, what="channel", sigil="#", id_prefix="C0",
                              pattern=r"[a-z0-9][a-z0-9_-]{0,79}", add=create)
    if channel_id is not None:
        console.channel = channel_id


def switch_user(console, rest: str) -> None:
    if not rest:
        console.emit("Users: " + ", ".join(f"{name} ({uid})" for name, uid in sorted(console.users.items())))
        return
    user_id = _find_or_add(console, rest, console.users, what="user", sigil="@", id_prefix="U0",
                           pattern=r"[a-z][a-z0-9._-]{0,20}", add=console.stack.slack.add_user)
    if user_id is None:
        return
    console.user = user_id
    admin = console.stack.deps.settings.is_admin(user_id)
    console.note(f"(you are now {rest.lstrip('@').lower()}, {user_id}; "
                 f"{'an admin' if admin else 'not an admin: changes are refused'})")


def _find_or_add(console, rest: str, directory: dict, *, what: str, sigil: str, id_prefix: str, pattern: str,
                 add) -> str | None:
    """The id of the channel or user named in `rest`; a new name that fits `pattern` gets an id and `add(id, name)`
    puts it in the emulator's workspace. None (and one line) for something that is not a name."""
    name = rest.lstrip(sigil).lower()
    if name not in directory:
        if not re.fullmatch(pattern, name):
            console.emit(f"{rest!r} is not a {what} name.")
            return None
        directory[name] = id_prefix + re.sub(r"[^A-Z0-9]", "", name.upper())[:9]
        add(directory[name], name)
    return directory[name]


def inbound_sms(console, rest: str) -> None:
    parts = rest.split(maxsplit=2)
    if len(parts) < 3:
        console.emit("Usage: :sms FROM TO TEXT   e.g. :sms 12065559876 12065550100 Hello")
        return
    _inject(console, parts[0], parts[1], parts[2], [])


def inbound_mms(console, rest: str) -> None:
    parts = rest.split(maxsplit=3)
    if len(parts) < 3 or not all(re.match(r"https?://", url) for url in parts[2].split(",")):
        console.emit("Usage: :mms FROM TO URL[,URL...] [TEXT]   e.g. :mms 12065559876 12065550100 "
                     "https://example.com/cat.jpg Look")
        return
    _inject(console, parts[0], parts[1], parts[3] if len(parts) > 3 else "", parts[2].split(","))


def _inject(console, sender: str, to: str, text: str, media: list[str]) -> None:
    stack = console.stack
    try:
        record = stack.sandbox.inject_message(sender, to, text, media_urls=media or None)
    except ValueError as error:
        console.emit(f"Could not inject the message: {error}")
        return
    kind = "MMS" if media else "SMS"
    when = "on its next poll" + (f" (every {stack.poll_seconds} s)" if stack.scheduler_running else "")
    if stack.sandbox.account_callbacks().get(f"{kind.lower()}_callback"):
        when = "as soon as Flowroute's callback reaches it"  # /flowroute inbox callbacks on
    console.note(f"(Flowroute sandbox: inbound {kind} {sender} → {to} arrived as {record.get('id')}; "
                 f"the relay posts it {when}, or type :poll)")


def reply_in_thread(console, rest: str) -> None:
    """`:reply [N] [--image FILE] TEXT`: answer in the newest SMS conversation thread of this channel (or the
    N-th listed by a bare `:reply`), and say plainly whether an SMS/MMS went out."""
    here = [(key, label) for key, label in console.conversations.items() if key[0] == console.channel][::-1]
    channel_name = console.stack.slack.channel_name(console.channel)
    if not here:
        console.emit(f"There is no SMS conversation in #{channel_name} yet: the relay starts a thread when a "
                     "message arrives (try :sms, then :poll).")
        return
    match = re.fullmatch(r"(?:(\d+)\s*)?(?:--image\s+(\S+)\s*)?(.*)", rest, re.S)
    number, image, text = match.group(1), match.group(2), match.group(3).strip()
    if not text and not image:
        console.emit([f"SMS conversations in #{channel_name} (newest first):"]
                     + [f"  {index}) {label}" for index, (_key, label) in enumerate(here, 1)]
                     + ["Usage: :reply [N] [--image FILE] TEXT"])
        return
    if number is not None and not 1 <= int(number) <= len(here):
        console.emit(f"There is no conversation {number}; :reply lists them.")
        return
    files = _image(console, image) if image else []
    if files is None:
        return
    (thread, label) = here[int(number) - 1] if number else here[0]
    before = len(console.stack.sandbox.messages("outbound"))
    console.say(text, thread=thread, files=files)
    sent = len(console.stack.sandbox.messages("outbound")) - before
    console.note(f"(sent to the phone: {number_text(label.split(' → ')[0])})" if sent else
                 "(nothing was sent to the phone: the reply stays in Slack)")


def _image(console, path: str) -> list[dict] | None:
    try:
        with open(path, "rb") as handle:
            content = handle.read()
    except OSError as error:
        console.emit(f"Cannot read {path}: {error.strerror}.")
        return None
    return [{"name": os.path.basename(path), "content": content}]


def poll_now(console, _rest: str) -> None:
    relay = console.stack.relay
    if relay is None:
        console.emit("The inbound relay is not available in this build.")
        return
    started = time.monotonic()
    try:
        result = relay.run_cycle()  # what the scheduler's job does: poll, post, follow up replies
    except Exception as error:  # noqa: BLE001 - show it, keep the console alive
        console.emit(f"⚠️  Poll failed: {error}")
        return
    console.note(f"(polled Flowroute: {result.summary()})")
    console.settle(started)


def show_home(console, _rest: str) -> None:
    """Open the App Home as Slack does (an app_home_opened event) and show the view the bot publishes."""
    slack = console.stack.slack
    before = (slack.home_view(console.user) or {}).get("hash")
    console.stack.driver.send_event({"type": "app_home_opened", "user": console.user, "channel": "D0HOME",
                                     "tab": "home", "event_ts": f"{time.time():.6f}"})
    try:
        view = slack.wait_for(lambda: (home := slack.home_view(console.user)) and home["hash"] != before and home,
                              timeout=15)
    except AssertionError:
        console.emit("The bot did not publish the App Home within 15 s.")
        return
    # Its buttons act on the Home view, which the console cannot press: they are left out and named instead.
    buttons = [plain for block in view["blocks"] if block["type"] == "actions"
               for plain in (render.plain_text(element.get("text")) for element in block["elements"])]
    blocks = [block for block in view["blocks"] if block["type"] != "actions"]
    shown = render.render_view({"title": {"type": "plain_text", "text": "App Home"}, "blocks": blocks},
                               names=console.names, style=console.style)
    note = f"(buttons on the Home tab in Slack: {', '.join(dict.fromkeys(buttons))})" if buttons else ""
    console.emit([""] + shown.lines + ([console.style.dim(note)] if note else []))


CONSOLE_COMMANDS = {  # name -> (arguments, what it does, how; :quit is the loop's own)
    ":help": ("", "this help", show_help),
    ":channel": ("NAME", "switch channel (no NAME: list them; a new name creates one)", switch_channel),
    ":user": ("NAME", "act as another user (alice and dana are admins, bob is not)", switch_user),
    ":sms": ("FROM TO TEXT", "an inbound SMS arrives at the Flowroute sandbox", inbound_sms),
    ":mms": ("FROM TO URL TEXT", "an inbound MMS (URL: the media; comma-separated for several)", inbound_mms),
    ":reply": ("[N] [--image FILE] TEXT", "reply in this channel's newest SMS conversation (bare: list them)",
               reply_in_thread),
    ":poll": ("", "poll Flowroute for inbound messages now", poll_now),
    ":home": ("", "open the bot's App Home tab (as the current user)", show_home),
    ":quit": ("", "stop everything and leave (Ctrl-C and Ctrl-D too)", None),
}
