"""The `newsdiff` command's entry point (and `python -m newsdiff`).

Loading the command line (typer and the modules every command needs) makes tens of thousands of
objects that live as long as the process: modules, classes, functions. The cyclic garbage collector,
left on, runs a few dozen passes over them while they load and frees nothing (about a third of the
time Python itself takes to start, measured by scripts/bench_startup.py). So it is off while they
load; they are then frozen (never scanned again) and the collector runs as usual for the command's
own work, whose memory it bounds.
"""

import gc


def main() -> None:
    """Console-script entry point: `newsdiff.cli.main` with the start-up's objects out of the collector's way."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        from .cli import main as run
    finally:
        gc.freeze()
        if collecting:
            gc.enable()
    run()


if __name__ == "__main__":
    main()
