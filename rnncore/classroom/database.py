"""Class state in a database, through SQLAlchemy Core: the "fool the model" wall (entries a teacher approves, hides
or deletes), predict-then-reveal questions with the class's answers and the outcomes of the class's runs of each
question's setup, and a few live settings the teacher switches (wall moderation, training paused).

By default one SQLite file beside the class store (`class_models.sqlite3` next to `class_models/`), in WAL mode
with a busy timeout, so many sessions of one server read while one writes. Several app replicas share any
SQLAlchemy URL instead: `RNNCORE_DATABASE_URL=postgresql+psycopg://user:password@host/dbname`.

Every write is one short transaction of its own, and "only once" rules (one answer per student and question, one
wall entry per sentence and model) are unique constraints: the database decides a race, never a read before a
write. Text is stored as typed (cleaned of control characters and cut to its cap); whoever shows it escapes it.
No Streamlit, no TensorFlow: the server imports this, and the tests drive it directly.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import math
import threading
import time
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import (
    Boolean,
    Column,
    Float,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
    create_engine,
    delete,
    event,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from rnncore import environment
from rnncore.paths import class_models_dir

BUSY_TIMEOUT_SECONDS = 15.0  # SQLite: how long a writer waits for another one before giving up
MAX_TEXT_CHARS = 300  # a wall sentence
MAX_NICKNAME_CHARS = 24
MAX_MODEL_CHARS = 120
MAX_ENTRIES_PER_STUDENT = 30  # wall entries one student may have (deleting one frees its place)
MAX_PROMPT_CHARS = 200
MAX_CHOICES = 6
MAX_CHOICE_CHARS = 60
MAX_SETUP_CHARS = 300
LABELS = ("positive", "negative")

PENDING, APPROVED, HIDDEN = "pending", "approved", "hidden"  # a wall entry
ENTRY_STATES = (PENDING, APPROVED, HIDDEN)
OPEN, REVEALED, CLOSED = "open", "revealed", "closed"  # a question: answering, answers shown, put away
QUESTION_STATES = (OPEN, REVEALED, CLOSED)
MODERATION = "wall_moderation"  # setting: "on" (default): only approved entries show; "off": pending ones too
TRAINING_PAUSED = "training_paused"  # setting: "on" while the teacher has paused training for the class

metadata = MetaData()
settings_table = Table(
    "rnncore_settings",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("value", String(200), nullable=False),
)
wall_table = Table(
    "rnncore_wall",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("created", Float, nullable=False),
    Column("owner", String(64), nullable=False, index=True),
    Column("nickname", String(MAX_NICKNAME_CHARS), nullable=False),
    Column("text", String(MAX_TEXT_CHARS), nullable=False),
    Column("fingerprint", String(64), nullable=False),  # the sentence normalised: one entry per sentence and model
    Column("meant", String(8), nullable=False),  # the label the student meant
    Column("predicted", String(8), nullable=False),  # what the model said
    Column("probability", Float, nullable=False),  # the model's P(positive)
    Column("model", String(MAX_MODEL_CHARS), nullable=False),
    Column("state", String(10), nullable=False),
    UniqueConstraint("model", "fingerprint", name="rnncore_wall_once"),
)
questions_table = Table(
    "rnncore_questions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("created", Float, nullable=False),
    Column("prompt", String(MAX_PROMPT_CHARS), nullable=False),
    Column("choices", Text, nullable=False),  # a JSON list of strings
    Column("setup", String(MAX_SETUP_CHARS), nullable=False),  # the lesson link's query, e.g. task=memory&length=50
    Column("state", String(10), nullable=False),
)
answers_table = Table(
    "rnncore_answers",
    metadata,
    Column("question_id", Integer, nullable=False),
    Column("owner", String(64), nullable=False),
    Column("choice", String(MAX_CHOICE_CHARS), nullable=False),
    Column("created", Float, nullable=False),
    PrimaryKeyConstraint("question_id", "owner", name="rnncore_answers_once"),
)
outcomes_table = Table(
    "rnncore_outcomes",
    metadata,
    Column("question_id", Integer, nullable=False),
    Column("run_key", String(100), nullable=False),  # one run of one student (recorded once)
    Column("cell", String(16), nullable=False),
    Column("owner", String(64), nullable=False),
    Column("metric", Float, nullable=False),
    Column("baseline", Float, nullable=False),
    Column("higher_is_better", Boolean, nullable=False),
    Column("created", Float, nullable=False),
    PrimaryKeyConstraint("question_id", "run_key", "cell", name="rnncore_outcomes_once"),
)


@dataclass(frozen=True)
class WallEntry:
    """A sentence that fooled a model."""

    id: int
    created: float
    owner: str
    nickname: str
    text: str
    meant: str
    predicted: str
    probability: float
    model: str
    state: str


@dataclass(frozen=True)
class Question:
    """A predict-then-reveal question tied to a setup (a Sequence Lab lesson link's query)."""

    id: int
    created: float
    prompt: str
    choices: tuple[str, ...]
    setup: str
    state: str


@dataclass(frozen=True)
class Outcome:
    """One cell of one class run of a question's setup."""

    run_key: str
    owner: str
    cell: str
    metric: float
    baseline: float
    higher_is_better: bool

    @property
    def beats_baseline(self) -> bool:
        """Whether the cell did better than the task's baseline (by 1%, as the lab's results table says)."""
        margin = self.metric - self.baseline if self.higher_is_better else self.baseline - self.metric
        return margin > 0.01 * max(abs(self.baseline), 1e-9)


def clean_text(text: str, limit: int) -> str:
    """One line of what a student typed: control and format characters (bidi overrides, zero-width) become
    spaces, runs of whitespace one space, cut to `limit` characters."""
    kept = "".join(" " if unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp") else char for char in str(text))
    return " ".join(kept.split())[:limit]


def fingerprint(text: str) -> str:
    """The same sentence whatever its case and spacing."""
    return hashlib.sha256(" ".join(text.casefold().split()).encode("utf-8")).hexdigest()


def database_url() -> str:
    """RNNCORE_DATABASE_URL when set, else the SQLite file beside the class store."""
    url = environment.text(environment.DATABASE_URL).strip()
    if url:
        return url
    store = class_models_dir()
    return f"sqlite:///{store.parent / (store.name + '.sqlite3')}"


def _sqlite_pragmas(connection, _record) -> None:
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")  # readers never wait for the writer
    cursor.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT_SECONDS * 1000)}")
    cursor.execute("PRAGMA synchronous=NORMAL")  # safe with WAL; a power cut loses at most the last commits
    cursor.close()


def make_engine(url: str) -> Engine:
    """An engine for `url`: SQLite gets its folder made, WAL mode and a busy timeout; other databases a pool that
    checks a connection before using it (a restarted database server is reconnected to)."""
    if url.startswith("sqlite"):
        database = url.split("///", 1)[1] if "///" in url else ""
        if database and database != ":memory:" and not database.startswith("file:"):
            Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_SECONDS, "check_same_thread": False})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=10)


class ClassDB:
    """The class's shared state in one database (see the module's docstring). Safe to share between threads."""

    def __init__(self, url: str, engine: Engine | None = None):
        self.url = url
        self.engine = engine or make_engine(url)
        try:
            metadata.create_all(self.engine)
        except IntegrityError:  # another replica created the same tables at the same moment
            metadata.create_all(self.engine)

    # -------------------------------------------------------------- settings
    def setting(self, name: str, default: str = "") -> str:
        """A live setting's value, or `default` when it was never set."""
        with self.engine.connect() as connection:
            value = connection.scalar(select(settings_table.c.value).where(settings_table.c.name == name))
        return default if value is None else value

    def set_setting(self, name: str, value: str) -> None:
        """Set a live setting (every session and replica sees it on its next read)."""
        for _ in range(2):  # an insert racing another replica's insert: the second try updates
            with self.engine.begin() as connection:
                changed = connection.execute(
                    update(settings_table).where(settings_table.c.name == name).values(value=value)
                ).rowcount
                if changed:
                    return
                try:
                    with connection.begin_nested():
                        connection.execute(insert(settings_table).values(name=name, value=value))
                    return
                except IntegrityError:
                    continue

    def settings_named(self, prefix: str) -> dict[str, str]:
        """Every live setting whose name starts with `prefix`, in one query (name → value)."""
        named = settings_table.c.name.startswith(prefix, autoescape=True)  # a "_" in the prefix is no wildcard
        query = select(settings_table.c.name, settings_table.c.value).where(named)
        with self.engine.connect() as connection:
            return {name: value for name, value in connection.execute(query).all()}

    def delete_setting(self, name: str) -> bool:
        """Forget a live setting (its default applies again); False when it was not set."""
        with self.engine.begin() as connection:
            return bool(connection.execute(delete(settings_table).where(settings_table.c.name == name)).rowcount)

    def switch(self, name: str, default: bool) -> bool:
        """An on/off setting."""
        return self.setting(name, "on" if default else "off") == "on"

    def set_switch(self, name: str, on: bool) -> None:
        """Set an on/off setting."""
        self.set_setting(name, "on" if on else "off")

    def moderation(self) -> bool:
        """Whether wall entries wait for the teacher's approval before the class sees them (on by default)."""
        return self.switch(MODERATION, True)

    def set_moderation(self, on: bool) -> None:
        """Switch wall moderation on or off (pending entries show while it is off; hidden ones never)."""
        self.set_switch(MODERATION, on)

    # -------------------------------------------------------------- the wall
    def add_entry(
        self, owner: str, nickname: str, text: str, meant: str, predicted: str, probability: float, model: str
    ) -> WallEntry:
        """Put a sentence that fooled `model` on the wall, pending the teacher's approval. ValueError (with a
        message for the student) when it did not fool the model, is empty, was already found for this model,
        or the student has MAX_ENTRIES_PER_STUDENT entries."""
        text = clean_text(text, MAX_TEXT_CHARS)
        nickname = clean_text(nickname, MAX_NICKNAME_CHARS) or "anonymous"
        if not text:
            raise ValueError("Type a sentence first.")
        if meant not in LABELS or predicted not in LABELS:
            raise ValueError(f"A label is one of {', '.join(LABELS)}.")
        if meant == predicted:
            raise ValueError("The model got this one right: only sentences that fool it go on the wall.")
        probability = float(probability)
        if not 0.0 <= probability <= 1.0:
            raise ValueError(f"probability must be between 0 and 1; got {probability!r}")
        if self.entry_count(owner) >= MAX_ENTRIES_PER_STUDENT:
            raise ValueError(f"You already have {MAX_ENTRIES_PER_STUDENT} sentences on the wall: that is the limit.")
        values = dict(
            created=time.time(),
            owner=owner,
            nickname=nickname,
            text=text,
            fingerprint=fingerprint(text),
            meant=meant,
            predicted=predicted,
            probability=probability,
            model=clean_text(model, MAX_MODEL_CHARS),
            state=PENDING,
        )
        try:
            with self.engine.begin() as connection:
                entry_id = connection.execute(insert(wall_table).values(**values)).inserted_primary_key[0]
        except IntegrityError:
            raise ValueError("Someone already put this sentence on the wall for this model.") from None
        return WallEntry(id=int(entry_id), **{key: value for key, value in values.items() if key != "fingerprint"})

    def entry_count(self, owner: str) -> int:
        """How many wall entries a student has (any state)."""
        with self.engine.connect() as connection:
            query = select(func.count()).select_from(wall_table).where(wall_table.c.owner == owner)
            return int(connection.scalar(query) or 0)

    def entries(self, visible_only: bool = False, owner: str | None = None) -> list[WallEntry]:
        """Wall entries, newest first: all of them, or only what the class sees (approved ones, and pending ones
        while moderation is off), or one student's."""
        query = select(*(column for column in wall_table.c if column.name != "fingerprint"))
        if visible_only:
            shown = [APPROVED] if self.moderation() else [APPROVED, PENDING]
            query = query.where(wall_table.c.state.in_(shown))
        if owner is not None:
            query = query.where(wall_table.c.owner == owner)
        with self.engine.connect() as connection:
            rows = connection.execute(query.order_by(wall_table.c.created.desc(), wall_table.c.id.desc())).all()
        return [WallEntry(**row._mapping) for row in rows]

    def set_entry_state(self, entry_id: int, state: str) -> bool:
        """Approve, hide or return an entry to pending; False when there is no such entry."""
        if state not in ENTRY_STATES:
            raise ValueError(f"an entry's state is one of {', '.join(ENTRY_STATES)}; got {state!r}")
        with self.engine.begin() as connection:
            return bool(
                connection.execute(update(wall_table).where(wall_table.c.id == entry_id).values(state=state)).rowcount
            )

    def delete_entry(self, entry_id: int) -> bool:
        """Delete an entry; False when there was none."""
        with self.engine.begin() as connection:
            return bool(connection.execute(delete(wall_table).where(wall_table.c.id == entry_id)).rowcount)

    def leaderboard(self, limit: int = 10, visible: list[WallEntry] | None = None) -> list[tuple[str, int]]:
        """(nickname, sentences on the wall) of the students the class sees on it, most first (ties: who found
        theirs first). A student is counted by id, under the nickname of their latest entry. `visible`: the
        entries(visible_only=True) the caller has already read."""
        board: dict[str, list] = {}
        for entry in reversed(self.entries(visible_only=True) if visible is None else visible):  # oldest first
            row = board.setdefault(entry.owner, [entry.nickname, 0, entry.created])
            row[0], row[1] = entry.nickname, row[1] + 1
        ranked = sorted(board.values(), key=lambda row: (-row[1], row[2]))
        return [(nickname, count) for nickname, count, _ in ranked[:limit]]

    def wall_csv(self) -> str:
        """Every entry as CSV, oldest first: a test set written by the class (text, the label meant, what the
        model said). A cell that a spreadsheet would run as a formula (=, +, -, @) is prefixed with '."""

        def safe(value: str) -> str:
            return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value

        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["id", "created", "nickname", "text", "label", "model_said", "p_positive", "model", "state"])
        for entry in reversed(self.entries()):
            created = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(entry.created))
            writer.writerow(
                [
                    entry.id,
                    created,
                    safe(entry.nickname),
                    safe(entry.text),
                    entry.meant,
                    entry.predicted,
                    f"{entry.probability:.4f}",
                    safe(entry.model),
                    entry.state,
                ]
            )
        return out.getvalue()

    # -------------------------------------------------------------- questions
    def open_question(self, prompt: str, choices: Iterable[str], setup: str) -> Question:
        """Open a question for the class (ValueError for an empty prompt, fewer than two choices, …)."""
        prompt = clean_text(prompt, MAX_PROMPT_CHARS)
        cleaned = [clean_text(choice, MAX_CHOICE_CHARS) for choice in choices]
        kept = list(dict.fromkeys(choice for choice in cleaned if choice))
        setup = clean_text(setup, MAX_SETUP_CHARS)
        if not prompt:
            raise ValueError("Write the question first.")
        if not 2 <= len(kept) <= MAX_CHOICES:
            raise ValueError(f"Give two to {MAX_CHOICES} different choices, one per line.")
        values = dict(created=time.time(), prompt=prompt, choices=json.dumps(kept), setup=setup, state=OPEN)
        with self.engine.begin() as connection:
            question_id = connection.execute(insert(questions_table).values(**values)).inserted_primary_key[0]
        return Question(int(question_id), values["created"], prompt, tuple(kept), setup, OPEN)

    @staticmethod
    def _question(row) -> Question:
        values = dict(row._mapping)
        try:
            choices = tuple(str(choice) for choice in json.loads(values["choices"]))
        except (TypeError, ValueError):
            choices = ()
        return Question(values["id"], values["created"], values["prompt"], choices, values["setup"], values["state"])

    def questions(self, states: Iterable[str] | None = None) -> list[Question]:
        """Questions, newest first (only those in `states` when given)."""
        query = select(questions_table).order_by(questions_table.c.created.desc(), questions_table.c.id.desc())
        if states is not None:
            query = query.where(questions_table.c.state.in_(list(states)))
        with self.engine.connect() as connection:
            return [self._question(row) for row in connection.execute(query).all()]

    def question(self, question_id: int) -> Question | None:
        """One question, or None."""
        with self.engine.connect() as connection:
            row = connection.execute(select(questions_table).where(questions_table.c.id == question_id)).first()
        return None if row is None else self._question(row)

    def set_question_state(self, question_id: int, state: str) -> bool:
        """Open (answering), reveal or close a question; False when there is no such question."""
        if state not in QUESTION_STATES:
            raise ValueError(f"a question's state is one of {', '.join(QUESTION_STATES)}; got {state!r}")
        with self.engine.begin() as connection:
            query = update(questions_table).where(questions_table.c.id == question_id).values(state=state)
            return bool(connection.execute(query).rowcount)

    def delete_question(self, question_id: int) -> bool:
        """Delete a question with its answers and outcomes."""
        with self.engine.begin() as connection:
            connection.execute(delete(answers_table).where(answers_table.c.question_id == question_id))
            connection.execute(delete(outcomes_table).where(outcomes_table.c.question_id == question_id))
            return bool(connection.execute(delete(questions_table).where(questions_table.c.id == question_id)).rowcount)

    def answer(self, question_id: int, owner: str, choice: str) -> bool:
        """Record a student's answer (once: False when they had answered already). ValueError when the question
        is not open for answers or `choice` is not one of its choices."""
        question = self.question(question_id)
        if question is None or question.state != OPEN:
            raise ValueError("This question is no longer open for answers.")
        if choice not in question.choices:
            raise ValueError(f"Pick one of: {', '.join(question.choices)}.")
        try:
            with self.engine.begin() as connection:
                values = dict(question_id=question_id, owner=owner, choice=choice, created=time.time())
                connection.execute(insert(answers_table).values(**values))
        except IntegrityError:
            return False
        return True

    def answer_of(self, question_id: int, owner: str) -> str | None:
        """The student's answer, or None."""
        with self.engine.connect() as connection:
            return connection.scalar(
                select(answers_table.c.choice).where(
                    answers_table.c.question_id == question_id, answers_table.c.owner == owner
                )
            )

    def tally(self, question_id: int) -> dict[str, int]:
        """How many students chose each choice, in the question's order (every choice, zeros too)."""
        question = self.question(question_id)
        counts = dict.fromkeys(question.choices if question else (), 0)
        query = (
            select(answers_table.c.choice, func.count())
            .where(answers_table.c.question_id == question_id)
            .group_by(answers_table.c.choice)
        )
        with self.engine.connect() as connection:
            for choice, count in connection.execute(query).all():
                counts[choice] = int(count)
        return counts

    def record_outcome(
        self,
        question_id: int,
        owner: str,
        run_key: str,
        cell: str,
        metric: float,
        baseline: float,
        higher_is_better: bool,
    ) -> bool:
        """Record what one cell of a class run of the question's setup did (once per run and cell: False when it
        was recorded already, or the metric is not a finite number)."""
        if not (math.isfinite(float(metric)) and math.isfinite(float(baseline))):
            return False
        values = dict(
            question_id=question_id,
            run_key=str(run_key)[:100],
            cell=str(cell)[:16],
            owner=owner,
            metric=float(metric),
            baseline=float(baseline),
            higher_is_better=bool(higher_is_better),
            created=time.time(),
        )
        try:
            with self.engine.begin() as connection:
                connection.execute(insert(outcomes_table).values(**values))
        except IntegrityError:
            return False
        return True

    def outcomes(self, question_id: int) -> list[Outcome]:
        """Every recorded cell of the class's runs of a question's setup, oldest first."""
        columns = [outcomes_table.c[name] for name in ("run_key", "owner", "cell", "metric", "baseline")]
        query = (
            select(*columns, outcomes_table.c.higher_is_better)
            .where(outcomes_table.c.question_id == question_id)
            .order_by(outcomes_table.c.created, outcomes_table.c.run_key, outcomes_table.c.cell)
        )
        with self.engine.connect() as connection:
            return [Outcome(**row._mapping) for row in connection.execute(query).all()]

    # -------------------------------------------------------------- housekeeping
    def clear(self, keep_settings: bool = False) -> None:
        """Delete every row of every table (the tables stay). `keep_settings`: only the class's work (the wall,
        the questions, their answers and outcomes) goes; the teacher's live settings and switches stay."""
        with self.engine.begin() as connection:
            for table in reversed(metadata.sorted_tables):
                if not (keep_settings and table is settings_table):
                    connection.execute(delete(table))


_databases: dict[str, ClassDB] = {}
_lock = threading.Lock()


def class_db(url: str | None = None) -> ClassDB:
    """The process's ClassDB for `url` (default: database_url(), read on every call, so a changed store or URL
    takes effect at once); its tables are created on first use."""
    url = url or database_url()
    with _lock:
        database = _databases.get(url)
        if database is None:
            database = _databases[url] = ClassDB(url)
        return database
