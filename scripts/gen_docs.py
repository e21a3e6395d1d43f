"""Regenerate the README's captured output from a real run against the emulator (``make docs``).

* ``docs/identities.svg``: the ``auth0link identities`` table after linking Alice's Google
  account, drawn by the real CLI on a pseudo-terminal and exported by rich
  (``Output.ansi_svg``);
* the transcript between ``<!-- walkthrough-output:start -->`` and ``<!-- walkthrough-output:end -->``
  in README.md (nothing else in the README is touched).

``--check`` exits 1 when the README's transcript region is missing (the SVG changes with every
run because of time stamps, so it is not compared).
"""

# ruff: noqa: T201, INP001 - a script (not a package) that reports on stdout

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

from walkthrough import Step, Walkthrough, run_all, walkthrough  # noqa: E402 - needs the path above

START = "<!-- walkthrough-output:start -->"
END = "<!-- walkthrough-output:end -->"
SVG = ROOT / "docs" / "identities.svg"
README = ROOT / "README.md"


def transcript(w: Walkthrough, steps: list[Step]) -> str:
    """The steps as a console session (stderr and stdout interleaved per command)."""
    lines: list[str] = []
    for step in steps:
        if step.argv[1:] == ["identities"] and "\x1b" in step.stdout:
            continue  # the terminal rendering is the SVG above
        lines.append(f"$ {shlex.join(step.argv) if len(step.argv) > 1 else step.argv[0]}")
        lines += [w.redact(text).rstrip("\n") for text in (step.stderr, step.stdout) if text.strip()]
    return "\n".join(lines)


def update_readme(text: str) -> None:
    """Replace only the marked region of the README."""
    readme = README.read_text(encoding="utf-8")
    if START not in readme or END not in readme:
        msg = f"README.md has no {START} … {END} region"
        raise SystemExit(msg)
    head, rest = readme.split(START, 1)
    _old, tail = rest.split(END, 1)
    body = (
        f"{START}\n"
        "![auth0link identities after linking Alice's Google account](docs/identities.svg)\n\n"
        "<details><summary>The whole run (commands, then what each printed on stderr and stdout)"
        "</summary>\n\n"
        f"```console\n{text}\n```\n\n</details>\n"
    )
    README.write_text(head + body + END + tail, encoding="utf-8")


def main() -> int:
    """Run the walkthrough, write the SVG and the README transcript."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only check that the README region exists")
    args = parser.parse_args()
    if args.check:
        readme = README.read_text(encoding="utf-8")
        return 0 if START in readme and END in readme else 1

    from auth0link.output import Output

    with walkthrough() as w:
        table = run_all(w, identities_tty=True)
        assert table is not None
        SVG.parent.mkdir(parents=True, exist_ok=True)
        Output(width=150).ansi_svg(w.redact(table), str(SVG), title="auth0link identities")
        update_readme(transcript(w, list(w.steps)))
    print(f"wrote {SVG.relative_to(ROOT)} and the README walkthrough transcript")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
