"""Teacher page: the classroom settings changed live (training on or off, the caps on a job, jobs per student, store
quotas, workers), each with the value in force, where it comes from and a Reset. The widgets' labels, bounds and
help come from the declarations in rnncore/environment.py (the settings declared `live`); values are kept in the
class database (rnncore/classroom/live.py), so every session and replica uses them at its next check."""

from __future__ import annotations

import streamlit as st

from rnncore import environment
from rnncore.environment import Setting
from ui.common import classroom_table, pool_resizes_at_restart, sync_pool
from ui.teacher_jobs import flash

WORKERS = (environment.MAX_JOBS.name, environment.LAB_WORKERS.name)
TRAINING_SWITCH = environment.TRAINING.name


def widget_key(setting: Setting) -> str:
    """The session-state key of a setting's widget: teacher_setting_max_parameters."""
    return "teacher_setting_" + setting.name.removeprefix("RNNCORE_").lower()


def when_it_applies(setting: Setting) -> str:
    """When a change takes effect, in words."""
    if setting.name in WORKERS:
        if pool_resizes_at_restart():
            return "takes effect at the next restart (a Ray cluster's actors are not resized live)"
        return "workers start at once; one retired by a lower number finishes its running job first"
    if setting.name == TRAINING_SWITCH:
        return "students' pages show or hide training at their next rerun; running jobs carry on"
    return "applies to the next job a student starts"


def _sync_widget(key: str, value: int | bool) -> None:
    """Show the value in force in the widget when it changed since the widget last showed it (saved here, reset,
    or changed from another session), and keep a teacher's unsaved edit otherwise."""
    seen = f"{key}__in_force"
    if key not in st.session_state or st.session_state.get(seen) != value:
        st.session_state[key] = value
    st.session_state[seen] = value


def _widget(setting: Setting, key: str) -> None:
    if setting.kind == "switch":
        st.toggle(setting.live, key=key, help=setting.help)
    else:  # the browser keeps a number within the declared limits; live.check_value checks again on Save
        st.number_input(
            setting.live,
            min_value=setting.minimum,
            max_value=setting.maximum,
            step=1,
            key=key,
            help=f"{setting.help} ({setting.name}; allowed: {setting.limits_text})",
        )


def settings_part() -> None:
    """The form of every live setting, Save, then a Reset for each setting the teacher changed."""
    from rnncore.classroom import live  # SQLAlchemy loads on first use (cold start)

    fallback = classroom_table()
    rows = []
    for setting in environment.LIVE_SETTINGS:
        try:
            rows.append(live.in_force(setting, fallback))
        except ValueError as error:  # an invalid environment value: say which, the other settings still work
            st.error(str(error), icon="⚠️")
    st.caption(
        "Changes apply without a restart, on every replica of the app, within a couple of seconds, and are kept "
        "across restarts. **Reset** returns a setting to the server's value (its environment variable, "
        "secrets.toml's `[classroom]` table, or the default)."
    )
    with st.form("teacher_settings_form", border=False):
        columns = st.columns(2)
        for index, item in enumerate(rows):
            key = widget_key(item.setting)
            _sync_widget(key, item.value)
            with columns[index % 2]:
                _widget(item.setting, key)
                st.caption(
                    f"In force: **{live.shown(item.setting, item.value)}**, {item.source_text}; "
                    f"{when_it_applies(item.setting)}."
                )
                if item.problem:
                    st.warning(item.problem, icon="⚠️")
        saved = st.form_submit_button("Save classroom settings", key="teacher_settings_save", type="primary")
    if saved:
        _save(rows)
    _reset_part([item for item in rows if item.changed or item.problem])


def _save(rows: list) -> None:
    """Store every setting whose widget differs from the value in force; a refused value is said, not raised."""
    from rnncore.classroom import live

    done, refused = [], []
    for item in rows:
        wanted = st.session_state.get(widget_key(item.setting))
        if wanted is None or wanted == item.value:
            continue
        try:
            stored = live.set_value(item.setting, wanted)
        except ValueError as error:
            refused.append(str(error))
            continue
        was, now = live.shown(item.setting, item.value), live.shown(item.setting, stored)
        done.append(f"{item.setting.live}: {now} (was {was})")
    sync_pool()  # this replica's workers and turn limits now; the others at their next check
    for message in refused:
        st.error(message, icon="⚠️")
    if refused:
        return  # stay on this run, so the message is seen; what was valid is saved already
    flash(f"Saved: {'; '.join(done)}." if done else "Nothing changed.")
    st.rerun()


def _reset_part(changed: list) -> None:
    """A Reset for each setting the teacher changed, and one for all of them."""
    from rnncore.classroom import live

    if not changed:
        st.caption("Every setting has the server's value: none is changed by the teacher.")
        return
    st.markdown("**Changed by the teacher**")
    for item in changed:
        text, button = st.columns([5, 1], vertical_alignment="center")
        base = live.shown(item.setting, item.base)
        text.markdown(f"{item.setting.live}: back to **{base}** ({live.SOURCE_WORDS[item.base_source]})")
        if button.button("Reset", key=f"{widget_key(item.setting)}_reset"):
            live.reset(item.setting)
            sync_pool()
            flash(f"{item.setting.live} is back to the server's value ({base}).")
            st.rerun()
    if len(changed) > 1 and st.button("Reset all to the server's values", key="teacher_settings_reset_all"):
        for item in changed:
            live.reset(item.setting)
        sync_pool()
        flash(f"Reset {len(changed)} settings to the server's values.")
        st.rerun()
