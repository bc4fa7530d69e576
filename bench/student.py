"""A simulated student that speaks Streamlit's own websocket protocol (`/_stcore/stream`, protobuf BackMsg /
ForwardMsg), as the browser does: open a page, type a review, flip a toggle, submit a form, and let a polling
fragment rerun itself. One light asyncio process drives thirty of them, so the clients do not eat the server's
two cores unaccounted.

What the browser sends was read off a real Chromium session: a `rerun_script` whose ClientState carries the
changed widget's state (the keyup box: JSON {"value": text}), the page's script hash and, for a fragment, its
id. Widget ids come from the ForwardMsg deltas that created the widgets ("$$ID-<hash>-<key>")."""

from __future__ import annotations

import json
import time

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

KEYUP_SUFFIX = "_st_keyup_review_keyup_0"  # the Predict page's review box (ui/predict_review.py, generation 0)
OPEN_TIMEOUT = 60.0


class Student:
    """One browser session."""

    def __init__(self, url: str, browser_id: str = ""):
        self.url = url.replace("http://", "ws://") + "/_stcore/stream"
        self.browser_id = browser_id  # the student cookie a browser's tabs share (ui/student.py); "" = a new student
        self.socket = None
        self.widget_id = ""  # the review box
        self.fragment_id = ""  # the fragment holding the review box
        self.page_hash = ""
        self.widget_ids: dict[str, str] = {}  # user key → Streamlit's widget id, for every keyed widget seen
        self.auto_reruns: dict[str, float] = {}  # fragment id → interval (s) of fragments that poll themselves
        self.progress = ""  # text of the last progress bar drawn (the Train page's job monitor)
        self.metrics: dict[str, str] = {}  # label → value of every st.metric drawn (the Train page's results)
        self._timers_fired: dict[str, float] = {}  # fragment id → when fire_due_timers last reran it
        self.alerts: list[str] = []  # text of st.error / st.warning / st.info / st.success / st.toast drawn

    async def open(self, page_name: str = "predict", review_box: bool = True) -> float:
        """Connect and run the page once; returns the seconds until the run finished. With review_box, wait
        until the Predict page's review box has been seen."""
        from websockets.asyncio.client import connect

        headers = {"Cookie": f"rnncore_student={self.browser_id}"} if self.browser_id else None
        self.socket = await connect(
            self.url, subprotocols=["streamlit"], max_size=None, open_timeout=OPEN_TIMEOUT, additional_headers=headers
        )
        message = BackMsg()
        message.rerun_script.page_name = page_name
        started = time.perf_counter()
        await self.socket.send(message.SerializeToString())
        for _ in range(3):  # a fresh server may first run the page once more through app.py (ui/navigation.py)
            await self._until_finished(learn=True)
            if self.widget_id or (not review_box and self.page_hash):
                break
        if review_box and not self.widget_id:
            raise RuntimeError("the Predict page's review box was not found in the page's messages")
        return time.perf_counter() - started

    async def type_text(self, text: str) -> float:
        """What one debounced keystroke does: the review box now holds `text`; returns input → finished rerun."""
        message = BackMsg()
        rerun = message.rerun_script
        widget = rerun.widget_states.widgets.add()
        widget.id = self.widget_id
        widget.json_value = json.dumps({"value": text})
        rerun.page_script_hash = self.page_hash
        rerun.fragment_id = self.fragment_id
        return await self._send_and_wait(message)

    async def set_toggle(self, key: str, value: bool) -> float:
        """Flip a keyed toggle/checkbox on the page (a full page rerun); returns seconds to finished."""
        message = BackMsg()
        rerun = message.rerun_script
        widget = rerun.widget_states.widgets.add()
        widget.id = self.widget_ids[key]
        widget.bool_value = value
        rerun.page_script_hash = self.page_hash
        return await self._send_and_wait(message)

    async def submit_form(self, button_key: str, numbers: dict[str, int]) -> float:
        """Click a form's submit button with some whole-number fields changed, as the browser sends it (the
        form's values travel with the click); learns what the rerun draws (e.g. a polling fragment)."""
        message = BackMsg()
        rerun = message.rerun_script
        for key, value in numbers.items():
            widget = rerun.widget_states.widgets.add()
            widget.id = self.widget_ids[key]
            widget.int_value = value
        button = rerun.widget_states.widgets.add()
        button.id = self.widget_ids[button_key]
        button.trigger_value = True
        rerun.page_script_hash = self.page_hash
        return await self._send_and_wait(message, learn=True)

    async def auto_rerun(self, fragment_id: str) -> float:
        """What the browser does every `interval` seconds for a polling fragment (st.fragment(run_every=…))."""
        message = BackMsg()
        rerun = message.rerun_script
        rerun.page_script_hash = self.page_hash
        rerun.fragment_id = fragment_id
        rerun.is_auto_rerun = True
        return await self._send_and_wait(message)

    async def fire_due_timers(self) -> None:
        """Rerun every self-polling fragment whose interval has passed since it last ran (Predict's class wall), as
        an open tab's timers do between the student's keystrokes: their server CPU counts, their time is not a
        keystroke's."""
        now = time.perf_counter()
        for fragment, interval in list(self.auto_reruns.items()):
            due = self._timers_fired.setdefault(fragment, now)
            if now - due >= interval:
                self._timers_fired[fragment] = now
                await self.auto_rerun(fragment)

    async def rerun_page(self) -> float:
        """A whole-page rerun with nothing changed (what a reload shows, in the same session)."""
        message = BackMsg()
        message.rerun_script.page_script_hash = self.page_hash
        return await self._send_and_wait(message)

    async def close(self) -> None:
        """Close the websocket (the server then ends the session)."""
        if self.socket is not None:
            await self.socket.close()

    async def _send_and_wait(self, message: BackMsg, learn: bool = False) -> float:
        started = time.perf_counter()
        await self.socket.send(message.SerializeToString())
        await self._until_finished(learn)
        return time.perf_counter() - started

    async def _until_finished(self, learn: bool = False) -> None:
        while True:
            payload = await self.socket.recv()
            message = ForwardMsg()
            message.ParseFromString(payload)
            kind = message.WhichOneof("type")
            if kind == "script_finished":
                return
            element_type = message.delta.new_element.WhichOneof("type") if kind == "delta" else None
            if element_type == "progress":
                self.progress = message.delta.new_element.progress.text
            elif element_type == "metric":
                self.metrics[message.delta.new_element.metric.label] = message.delta.new_element.metric.body
            elif element_type in ("alert", "toast"):
                self.alerts.append(getattr(message.delta.new_element, element_type).body)
            self.seen(message, kind)
            if learn:
                self._learn(message, kind)

    def seen(self, message: ForwardMsg, kind: str | None) -> None:
        """Called for every message of a rerun; a subclass that watches more (tracebacks, uploads) overrides it."""

    def _learn(self, message: ForwardMsg, kind: str | None) -> None:
        """Remember the page's hash, keyed widgets' ids, the review box and self-polling fragments."""
        if message.metadata.active_script_hash:
            self.page_hash = message.metadata.active_script_hash  # the page's script, not app.py's
        if kind == "auto_rerun":
            self.auto_reruns[message.auto_rerun.fragment_id] = message.auto_rerun.interval
        if kind != "delta" or message.delta.WhichOneof("type") != "new_element":
            return
        element = message.delta.new_element
        widget = getattr(element, element.WhichOneof("type") or "markdown")
        widget_id = getattr(widget, "id", "")
        if isinstance(widget_id, str) and widget_id.startswith("$$ID-"):
            self.widget_ids[widget_id.split("-", 2)[2]] = widget_id
        if element.WhichOneof("type") == "bidi_component" and element.bidi_component.id.endswith(KEYUP_SUFFIX):
            self.widget_id = element.bidi_component.id
            self.fragment_id = message.delta.fragment_id
