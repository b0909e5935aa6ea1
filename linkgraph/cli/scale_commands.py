"""`push`, `cluster run`, `pull`: a case into the task force's shared store, the analysis at scale over a
snapshot of it, and the results for this case back (optional extra: pip install "linkgraph[scale]")."""

from __future__ import annotations

import argparse
import os

from linkgraph.cli.common import add_case, open_case, print_json
from linkgraph.errors import LinkgraphError
from linkgraph.progress import TerminalProgress

STORE_ENV = "LINKGRAPH_STORE"


def _add_store(cmd: argparse.ArgumentParser) -> None:
    cmd.add_argument("--store", default=os.environ.get(STORE_ENV),
                     help=f"the store: postgresql://...?data=DIR, file:///DIR or a folder (default ${STORE_ENV})")


def _store_uri(args: argparse.Namespace) -> str:
    if not args.store:
        raise LinkgraphError(f"name the task force's store (--store URI or ${STORE_ENV})")
    return args.store


def _add_secret(cmd: argparse.ArgumentParser, what: str) -> None:
    cmd.add_argument("--secret-file", type=argparse.FileType("r"), dest="secret_file_handle", default=None, metavar="FILE",
                     help=f"file holding the task force's shared secret (first line): {what}")


def _secret(args: argparse.Namespace) -> str | None:
    handle = getattr(args, "secret_file_handle", None)
    if handle is None:
        return None
    with handle:
        lines = handle.read().splitlines()
    if not lines or not lines[0].strip():
        raise LinkgraphError(f"{handle.name}: the secret file is empty")
    return lines[0].strip()


def register(commands: argparse._SubParsersAction) -> None:
    cmd = commands.add_parser("push", help="push the case's entities, links and sources to the task force's store")
    add_case(cmd)
    _add_store(cmd)
    cmd.add_argument("--blind", action="store_true",
                     help="push keyed hashes (HMAC) of identifiers instead of numbers (needs --secret-file)")
    _add_secret(cmd, "the key of --blind")
    cmd.add_argument("--agency", help="the pushing agency (default: the case's)")
    cmd.add_argument("--json", action="store_true")
    cmd.set_defaults(run=cmd_push)

    cluster = commands.add_parser("cluster", help="run the analysis at scale over a snapshot of the store")
    verbs = cluster.add_subparsers(dest="verb", metavar="VERB")
    verbs.required = True
    cmd = verbs.add_parser("run", help="fold, degree, PageRank, k-core, components, groups, swaps, co-locations")
    _add_store(cmd)
    cmd.add_argument("--snapshot", default="latest",
                     help="'latest' (every push so far), a snapshot id, or push ids joined by commas")
    cmd.add_argument("--engine", default="duckdb",
                     help="duckdb | local-spark | spark://HOST:7077 | sc://HOST:15002 (Spark Connect) | yarn")
    cmd.add_argument("--seed", type=int, default=7, help="seed of the Leiden step on the super-graph")
    cmd.add_argument("--graphframes", action="store_true",
                     help="connected components by GraphFrames where the cluster has its jar (same answer as SQL)")
    cmd.add_argument("--driver-arcs", type=int, default=None, metavar="N",
                     help="the most arcs (two a tie) of the graph pulled to this machine once for components, k-core, "
                          "PageRank and groups, about 80 bytes each at the peak (default 20000000; 0: every round "
                          "on the engine)")
    cmd.add_argument("--json", action="store_true")
    cmd.set_defaults(run=cmd_cluster_run)

    cmd = commands.add_parser("pull", help="import a cluster run's results for this case (source kind 'cluster')")
    add_case(cmd)
    _add_store(cmd)
    cmd.add_argument("--run", required=True, dest="run_id", metavar="RUN", help="the run id (cluster run prints it)")
    cmd.add_argument("--focus", nargs="*", default=None, metavar="ENTITY",
                     help="entity ids or keys of this case to start from (default: all found in the run)")
    cmd.add_argument("--hops", type=int, default=2, help="neighbourhood depth in the task force's graph")
    cmd.add_argument("--max-nodes", type=int, default=500, help="cap on the entities pulled (strongest ties kept)")
    cmd.add_argument("--grade", help="5x5x5 grade of the pulled source (default B2)")
    cmd.add_argument("--force", action="store_true", help="import the same results again (refused by default)")
    _add_secret(cmd, "needed when the run's pushes were blind")
    cmd.add_argument("--json", action="store_true")
    cmd.set_defaults(run=cmd_pull)


def cmd_push(args: argparse.Namespace) -> int:
    from linkgraph.scale.push import push_case
    from linkgraph.scale.store import open_store

    secret = _secret(args)
    if args.blind and not secret:
        raise LinkgraphError("--blind needs the task force's secret (--secret-file FILE)")
    if secret and not args.blind:
        raise LinkgraphError("a secret was given without --blind: add --blind to push keyed hashes")
    bar = TerminalProgress()
    try:
        with open_case(args) as case, open_store(_store_uri(args), create=True) as store:
            summary = push_case(case, store, secret=secret, agency=args.agency, progress=bar)
    finally:
        bar.done()
    if args.json:
        print_json(summary)
        return 0
    print(f"pushed {summary['entities']} entities and {summary['links']} links as {summary['push_id']}"
          f"{' (blind: keyed hashes)' if summary['blind'] else ''}; {summary['protected']} protected entities as "
          f"pseudonyms; manifest SHA-256 {summary['manifest_sha256']}")
    return 0


def cmd_cluster_run(args: argparse.Namespace) -> int:
    from linkgraph.scale.analyses import RunParams
    from linkgraph.scale.run import cluster_run
    from linkgraph.scale.store import open_store

    params = RunParams(seed=args.seed, graphframes=args.graphframes)
    if args.driver_arcs is not None:
        if args.driver_arcs < 0:
            raise LinkgraphError("--driver-arcs: give 0 (every round on the engine) or a positive number of arcs")
        params.driver_arcs = args.driver_arcs
    bar = TerminalProgress()
    try:
        with open_store(_store_uri(args)) as store:
            manifest = cluster_run(store, args.snapshot, args.engine, params=params,
                                   actor=os.environ.get("USER", "linkgraph"), progress=bar)
    finally:
        bar.done()
    if args.json:
        print_json(manifest)
        return 0
    counts, community = manifest["counts"], manifest["community"]
    print(f"run {manifest['run_id']} on {manifest['engine']['engine']} over snapshot {manifest['snapshot_id']} "
          f"({len(manifest['inputs'])} pushes)")
    print(f"  {counts['nodes']} entities in {counts['ties']} ties; {counts['components']} components; "
          f"{counts.get('groups', 0)} groups (modularity {community.get('modularity', 0):.3f}); "
          f"{counts.get('swaps', 0)} number swaps; {counts['hotel_overlaps']} hotel overlaps; "
          f"{counts['site_meetings']} cell-site meetings")
    pulled = manifest.get("driver_graph") or {}
    if pulled:
        ran = ", ".join(f"{m['measure']} {m['seconds']:.1f} s" for m in pulled.get("measures", []))
        print(f"  the graph on this machine: {pulled['arcs']:,} arcs pulled in {pulled['seconds_pull']:.1f} s; {ran}")
    for note in manifest["notes"]:
        print(f"  note: {note}")
    print(f"  manifest SHA-256 {manifest['manifest_sha256']}")
    return 0


def cmd_pull(args: argparse.Namespace) -> int:
    from linkgraph.scale.pull import pull_run
    from linkgraph.scale.store import open_store

    bar = TerminalProgress()
    try:
        with open_case(args) as case, open_store(_store_uri(args)) as store:
            summary = pull_run(case, store, args.run_id, focus=args.focus, hops=args.hops, max_nodes=args.max_nodes,
                               secret=_secret(args), grade=args.grade, force=args.force, progress=bar)
    finally:
        bar.done()
    if args.json:
        print_json(summary)
        return 0
    print(f"pulled run {summary['run_id']}: {summary['entities_in_neighbourhood']} entities within "
          f"{args.hops} hops, {summary['links_created']} ties imported as source {summary['source_id']} "
          f"({summary['file']})")
    for note in summary["notes"]:
        print(f"  note: {note}")
    return 0
