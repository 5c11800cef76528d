"""Regenerate migration 0001 from storage/tables.py (pre-release only: no database in the
wild has schema 0001 yet; once one does, new changes get new migrations instead)."""

from __future__ import annotations

import re
import subprocess
import sys
import tempfile

from alembic import command

from suyuan.storage.engine import make_engine
from suyuan.storage.schema import MIGRATIONS, alembic_config

target = MIGRATIONS / "versions" / "0001_initial_schema.py"
target.unlink(missing_ok=True)
engine = make_engine(f"sqlite:///{tempfile.mkdtemp()}/empty.db")
command.revision(alembic_config(engine), message="initial schema", autogenerate=True, rev_id="0001")
text = target.read_text()
text = text.replace("astext_type=Text()", "astext_type=sa.Text()")
text = re.sub(r"\n *# ### .* ###", "", text)
target.write_text(text)
for args in (["check", "--fix", "-q"], ["format", "-q"]):
    subprocess.run([sys.executable, "-m", "ruff", *args, str(target)], check=False)
print(f"wrote {target}")  # noqa: T201
