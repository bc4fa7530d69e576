"""The class layer's shared state (the "fool the model" wall, predict-then-reveal questions and their answers, the
teacher's live switches), kept in a database so every session and every app replica sees the same: SQLite beside
the class store by default, any SQLAlchemy URL in RNNCORE_DATABASE_URL (rnncore/classroom/database.py)."""

from rnncore.classroom.database import ClassDB, Outcome, Question, WallEntry, class_db, database_url

__all__ = ["ClassDB", "Outcome", "Question", "WallEntry", "class_db", "database_url"]
