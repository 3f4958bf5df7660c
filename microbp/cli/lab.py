"""``microbp lab``: start the local web lab (docs/lab.md) and open it in the browser.

    microbp lab [--net 3,3,2] [--activation sigmoid] [--seed 0] [--data tutorial] [--load M.json]
                [--host 127.0.0.1] [--port 0] [--no-browser]

The first line printed is the address with its token,
``microbp lab: http://127.0.0.1:PORT/#token=TOKEN``; Ctrl-C stops the server.
"""

from __future__ import annotations

import sys

from microbp import checks
from microbp.cli.args import add_net_arguments, number
from microbp.data import DATASETS


def loopback(host: str) -> bool:
    """Whether ``host`` is this machine only: localhost or a loopback address (127.x, ::1)."""
    import ipaddress

    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


# long: read top to bottom: check, build the state, serve; ready() is what the user sees first
def lab(args, out=None, err=None) -> int:
    """Build the lab's state from the arguments and serve it until Ctrl-C."""
    out, err = out or sys.stdout, err or sys.stderr
    try:
        from microbp.lab import LabState, serve
        from microbp.lab.inputs import DATA_SETS
    except ImportError as exc:
        print(
            f"microbp lab: error: the lab needs Starlette and uvicorn ({exc.name} is missing): "
            "pip install 'microbp[lab]'",
            file=err,
        )
        return 2
    if args.data is not None:
        from microbp import data

        args.data = data.DATASETS.canonical(args.data)  # "seed" still means "tutorial"
    if args.data is not None:
        checks.choice("data set", args.data, DATA_SETS)
    if args.load is not None:
        if args.net is not None:
            raise ValueError("give --net or --load, not both")
        from microbp.nn import MLP

        try:
            net = MLP.load(args.load)
        except OSError as exc:
            raise ValueError(f"cannot read the model file {args.load!r}: {exc.strerror}") from None
        state = LabState.create(net=net, data_name=args.data)
    else:
        state = LabState.create(args.net, args.activation, args.seed, args.data)

    launched = []  # the folder of the page that opened the browser, removed at the end

    def ready(url: str) -> None:
        print(f"microbp lab: {url}", file=out, flush=True)
        if not loopback(args.host):
            print(
                f"microbp lab: warning: listening on {args.host}, not only on this machine: "
                "anyone who can reach it and has the token can use the lab",
                file=err,
                flush=True,
            )
        print("microbp lab: Ctrl-C stops the server", file=err, flush=True)
        if not args.no_browser:
            import webbrowser

            from microbp.lab.server import launch_page

            # The browser gets a private file's path, not the token (its command line is
            # world-readable); the file sends it on to the address.
            page = launch_page(url)
            launched.append(page.parent)
            webbrowser.open(page.as_uri())

    try:
        serve(state, host=args.host, port=args.port, on_ready=ready)
    except KeyboardInterrupt:  # uvicorn stops on Ctrl-C, then passes the signal on
        pass
    finally:
        import shutil

        for folder in launched:
            shutil.rmtree(folder, ignore_errors=True)
    print("microbp lab: stopped", file=err, flush=True)
    return 0


_port = number(int, lambda port: 0 <= port <= 65535, "a port number 0…65535")


def add_command(sub) -> None:
    p = sub.add_parser(
        "lab",
        help="a local web page: edit the net, watch every δ, train it",
        description="Serve a local web page over one net: edit its weights, step through the "
        "forward and backward passes node by node, see each δ next to BP-1…BP-4, and train "
        "it. Only this machine can reach it by default; the page needs the token printed "
        "with its address. Ctrl-C stops the server.",
    )
    add_net_arguments(
        p,
        "layer sizes, e.g. 3,3,2 (default: the tutorial's 3-3-2 example)",
        "seed of the random initial weights",
    )
    p.add_argument(
        "--data",
        default=None,
        help=f"a data set of microbp.data ({', '.join(DATASETS)}) or random (default: tutorial "
        "when the net is 3-…-2, else one random pair)",
    )
    p.add_argument(
        "--load", metavar="MODEL.json", help="start from a model file (net.save; default none)"
    )
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    p.add_argument("--port", type=_port, default=0, help="port (default: a free one)")
    p.add_argument("--no-browser", action="store_true", help="only print the address")
    p.set_defaults(func=lab, own_display=True)
