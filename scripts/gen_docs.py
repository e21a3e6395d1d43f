"""Regenerate the docs' captured output from a real run against the emulator (``make docs``).

* ``docs/identities.svg``: the ``auth0link identities`` table after linking Alice's Google
  account, drawn by the real CLI on a pseudo-terminal and exported by rich
  (``auth0link.output._svg.ansi_svg``);
* the transcript between ``<!-- walkthrough-output:start -->`` and ``<!-- walkthrough-output:end -->``
  in docs/linking.md;
* every ``<!-- help:COMMAND:start -->`` … ``<!-- help:COMMAND:end -->`` region in README.md and
  docs/*.md gets the output of ``auth0link COMMAND --help`` (80 columns), so their help never drifts.

Nothing else is touched. ``--check`` regenerates only the help regions in memory and exits 1 if a
page differs (the transcript and the SVG change with every run because of time stamps and random
state, so they are not compared).
"""

# ruff: noqa: T201, INP001 - a script (not a package) that reports on stdout

from __future__ import annotations

import argparse
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

from walkthrough import Step, Walkthrough, run_all, walkthrough  # noqa: E402 - needs the path above

START = "<!-- walkthrough-output:start -->"
END = "<!-- walkthrough-output:end -->"
SVG = ROOT / "docs" / "identities.svg"
WALKTHROUGH_PAGE = ROOT / "docs" / "linking.md"


def pages() -> list[Path]:
    """Every Markdown page that may hold a help region: the README and the docs site's pages."""
    return [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def transcript(w: Walkthrough, steps: list[Step]) -> str:
    """The steps as a console session (stderr and stdout interleaved per command)."""
    lines: list[str] = []
    for step in steps:
        if step.argv[1:] == ["identities"] and "\x1b" in step.stdout:
            continue  # the terminal rendering is the SVG above
        lines.append(f"$ {shlex.join(step.argv) if len(step.argv) > 1 else step.argv[0]}")
        lines += [w.redact(text).rstrip("\n") for text in (step.stderr, step.stdout) if text.strip()]
    return "\n".join(lines)


def update_walkthrough(text: str) -> None:
    """Replace only the marked region of the walkthrough page."""
    readme = WALKTHROUGH_PAGE.read_text(encoding="utf-8")
    if START not in readme or END not in readme:
        msg = f"{WALKTHROUGH_PAGE.name} has no {START} … {END} region"
        raise SystemExit(msg)
    head, rest = readme.split(START, 1)
    _old, tail = rest.split(END, 1)
    body = (
        f"{START}\n"
        "![auth0link identities after linking Alice's Google account](identities.svg)\n\n"
        '<details markdown="1"><summary>The whole run (commands, then what each printed on stderr and stdout)'
        "</summary>\n\n"
        f"```console\n{text}\n```\n\n</details>\n"
    )
    WALKTHROUGH_PAGE.write_text(head + body + END + tail, encoding="utf-8")


_HELP_RE = re.compile(
    r"(<!-- help:(?P<cmd>[a-z -]+):start -->\n)(?P<body>.*?)(<!-- help:(?P=cmd):end -->)", re.DOTALL
)


def help_text(command: str) -> str:
    """``auth0link COMMAND --help`` as the real CLI prints it on an 80-column terminal."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AUTH0LINK_")}
    env["COLUMNS"] = "80"
    done = subprocess.run(  # noqa: S603 - argv built here
        [sys.executable, "-m", "auth0link", *command.split(), "--help"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return done.stdout.replace("Usage: python -m auth0link", "Usage: auth0link")


def with_help(readme: str) -> str:
    """The page with every help region regenerated."""
    return _HELP_RE.sub(
        lambda m: f"{m.group(1)}```text\n{help_text(m.group('cmd')).rstrip()}\n```\n{m.group(4)}", readme
    )


def main() -> int:
    """Run the walkthrough, write the SVG and the walkthrough transcript."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only check that the help regions are current")
    parser.add_argument("--help-only", action="store_true", help="only regenerate the --help regions")
    args = parser.parse_args()
    if args.check:
        if START not in WALKTHROUGH_PAGE.read_text(encoding="utf-8"):
            print(f"{WALKTHROUGH_PAGE.name} has no {START} region")
            return 1
        stale = [
            p.name
            for p in pages()
            if with_help(p.read_text(encoding="utf-8")) != p.read_text(encoding="utf-8")
        ]
        if stale:
            print(f"the --help output in {', '.join(stale)} is stale: run make docs")
            return 1
        return 0
    for page in pages():
        text = page.read_text(encoding="utf-8")
        if (new := with_help(text)) != text:
            page.write_text(new, encoding="utf-8")
    if args.help_only:
        return 0

    from auth0link.output._svg import ansi_svg

    with walkthrough() as w:
        table = run_all(w, identities_tty=True)
        assert table is not None
        SVG.parent.mkdir(parents=True, exist_ok=True)
        ansi_svg(w.redact(table), str(SVG), width=150, title="auth0link identities")
        update_walkthrough(transcript(w, list(w.steps)))
    print(f"wrote {SVG.relative_to(ROOT)}, the walkthrough transcript and --help regions")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
