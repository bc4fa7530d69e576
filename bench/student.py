"""A simulated student that speaks Streamlit's own websocket protocol (`/_stcore/stream`, protobuf BackMsg /
ForwardMsg), as the browser does: open the Predict page, then type a review word by word. One light asyncio
process drives thirty of them, so the clients do not eat the server's two cores unaccounted.

What the browser sends when the review box changes was read off a real Chromium session: a `rerun_script`
with the live-review fragment's id and the keyup widget's state as JSON ({"value": text})."""

from __future__ import annotations

import json
import time

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

KEYUP_SUFFIX = "_st_keyup_review_keyup_0"  # the Predict page's review box (pages/predict.py, generation 0)


class Student:
    """One browser session on the Predict page."""

    def __init__(self, url: str):
        self.url = url.replace("http://", "ws://") + "/_stcore/stream"
        self.socket = None
        self.widget_id = ""
        self.fragment_id = ""
        self.page_hash = ""
        self.widget_ids: dict[str, str] = {}  # user key → Streamlit's widget id, for every keyed widget seen

    async def open(self, page_name: str = "predict") -> float:
        """Connect and run the page once; returns the seconds until the run finished."""
        from websockets.asyncio.client import connect

        self.socket = await connect(self.url, subprotocols=["streamlit"], max_size=None, open_timeout=60)
        message = BackMsg()
        message.rerun_script.page_name = page_name
        started = time.perf_counter()
        await self.socket.send(message.SerializeToString())
        for _ in range(3):  # a fresh server may first run the page once more through app.py (ui/navigation.py)
            await self._until_finished(learn=True)
            if self.widget_id:
                break
        if not self.widget_id:
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
        started = time.perf_counter()
        await self.socket.send(message.SerializeToString())
        await self._until_finished()
        return time.perf_counter() - started

    async def set_toggle(self, key: str, value: bool) -> float:
        """Flip a keyed toggle/checkbox on the page (a full page rerun); returns seconds to finished."""
        message = BackMsg()
        rerun = message.rerun_script
        widget = rerun.widget_states.widgets.add()
        widget.id = self.widget_ids[key]
        widget.bool_value = value
        rerun.page_script_hash = self.page_hash
        started = time.perf_counter()
        await self.socket.send(message.SerializeToString())
        await self._until_finished()
        return time.perf_counter() - started

    async def close(self) -> None:
        """Close the websocket (the server then ends the session)."""
        if self.socket is not None:
            await self.socket.close()

    async def _until_finished(self, learn: bool = False) -> None:
        while True:
            payload = await self.socket.recv()
            message = ForwardMsg()
            message.ParseFromString(payload)
            kind = message.WhichOneof("type")
            if kind == "script_finished":
                return
            if learn and message.metadata.active_script_hash:
                self.page_hash = message.metadata.active_script_hash  # the page's script, not app.py's
            if learn and kind == "delta" and message.delta.WhichOneof("type") == "new_element":
                element = message.delta.new_element
                widget = getattr(element, element.WhichOneof("type") or "markdown")
                widget_id = getattr(widget, "id", "")
                if isinstance(widget_id, str) and widget_id.startswith("$$ID-"):
                    self.widget_ids[widget_id.split("-", 2)[2]] = widget_id
                if element.WhichOneof("type") == "bidi_component" and element.bidi_component.id.endswith(KEYUP_SUFFIX):
                    self.widget_id = element.bidi_component.id
                    self.fragment_id = message.delta.fragment_id
