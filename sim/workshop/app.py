"""The workshop page (Streamlit): ``supplysim mode=workshop`` runs ``streamlit run`` on this file.

Thin by design: what a what-if is, how it runs, what its cards say and how a session is kept live in sim.workshop's
other modules (tested without Streamlit); this file lays them out. Keyed widgets and containers (``scenario``,
``element``, ``start``, ``duration``, ``run``, ``refine``, ``pin``, ``card_*``) are the page's stable interface for
tests (docs/workshop.md).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

import streamlit as st

from sim.errors import SupplysimError
from sim.report.figures import save_png
from sim.report.network_map import network_graph
from sim.report.stress_page import tornado
from sim.report.what_if import curve_figure
from sim.scenario.loading import library
from sim.scenario.sources import load_scenario
from sim.workshop import compute, layout, ranking, session, widgets
from sim.workshop.export import export_outcome
from sim.workshop.whatif import WhatIf


def _args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="supplysim workshop page")
    parser.add_argument("--scenario", default="consolidated_sourcing")
    parser.add_argument("--session", default="workshop_session")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--no-ranking", action="store_true", help="no background stress ranking (tests)")
    return parser.parse_known_args(sys.argv[1:])[0]


ARGS = _args()
ROOT = Path(ARGS.session).resolve()
state: Any = st.session_state


def _report(exc: BaseException) -> None:
    """supplysim's message in the page, no traceback; the session stays usable."""
    if isinstance(exc, SupplysimError):
        st.error(f"supplysim: error: {exc}")
    else:
        st.error(f"supplysim: error: {type(exc).__name__}: {exc}")


def _session() -> session.Session:
    if "session" not in state:
        saved = session.load(ROOT)
        state.session = saved or session.Session(scenario=ARGS.scenario)
        state.outcomes = {}
    return state.session


def _open(source: str) -> dict[str, Any] | None:
    """The scenario data of a library name or a path (cached per source); None with the message shown."""
    cache = state.setdefault("scenarios", {})
    if source not in cache:
        try:
            cache[source] = load_scenario(source).to_dict()
        except (SupplysimError, OSError) as exc:
            _report(exc)
            return None
    return cache[source]


def picker(sess: session.Session) -> str:
    """Sidebar: the library, a path or an uploaded file; the seed; projector mode."""
    lib = list(library())
    options = lib if sess.scenario in lib else [sess.scenario, *lib]
    st.sidebar.header("Scenario")
    choice = st.sidebar.selectbox(
        "Library scenario",
        options,
        index=options.index(sess.scenario),
        key="scenario",
        format_func=lambda s: s if s in lib else f"{Path(s).name} (a file)",  # the command line's or a path
    )
    path = st.sidebar.text_input("or a scenario file (path)", key="scenario_path")
    upload = st.sidebar.file_uploader("or upload one (YAML)", type=["yaml", "yml"], key="upload")
    source = choice
    if path.strip():
        source = path.strip()
    if upload is not None:
        target = ROOT / "uploads" / Path(upload.name).name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(upload.getvalue())
        source = str(target)
    sess.seed = int(st.sidebar.number_input("Seed", min_value=0, value=sess.seed, step=1, key="seed"))
    sess.projector = st.sidebar.toggle("Projector mode", value=sess.projector, key="projector")
    return source


def glance(data: dict[str, Any]) -> None:
    """The network at a glance: its size in words and its map."""
    nodes = data.get("nodes") or []
    kinds = {t: sum(1 for n in nodes if n.get("type") == t) for t in ("supplier", "plant", "buffer", "retailer")}
    regions = sorted({n["region"] for n in nodes if n.get("region")})
    st.markdown(
        f"**{data['name']}**: {len(data.get('products') or [])} products, "
        + ", ".join(f"{v} {k}{'s' if v != 1 else ''}" for k, v in kinds.items() if v)
        + f", {len(data.get('lanes') or [])} lanes"
        + (f"; regions {', '.join(regions)}" if regions else "")
    )
    maps = state.setdefault("maps", {})  # drawn once per scenario, not at every rerun of the page
    key = compute.key_of(data)
    if key not in maps:
        maps[key] = save_png(network_graph(data))
    with st.expander("Network map"):
        st.image(maps[key])


def baseline_of(data: dict[str, Any], seed: int) -> Any:
    """The baseline batch (cached on disk per scenario and seed, and here for the page's reruns)."""
    cache = state.setdefault("baselines", {})
    key = (compute.key_of(data), seed)
    if key not in cache:
        bar = st.progress(0.0, text="baseline")
        began = time.perf_counter()
        progress = lambda f, m: bar.progress(f, f"baseline: {m}")  # noqa: E731
        cache[key] = compute.baseline_batch(load_scenario(data), seed, compute.FIRST, ROOT, ARGS.jobs, progress)
        state.baseline_seconds = time.perf_counter() - began
        bar.empty()
    return cache[key]


def show_baseline(data: dict[str, Any], sess: session.Session) -> None:
    batch = baseline_of(data, sess.seed)
    cols = st.columns(3)
    for col, (kpi, label) in zip(cols, (("fill_rate", "Fill rate"), ("total_cost", "Total cost")), strict=False):
        row = compute._net(batch.summary, kpi)
        if row is not None:
            main, rest = layout.split(layout.estimate(kpi, row))
            col.metric(f"Baseline {label.lower()}", main)
            col.caption(f"{rest} n={int(row['n'])}")
    took = state.get("baseline_seconds")
    cols[2].caption(
        f"baseline: {len(batch.replications)} replications, seed {sess.seed}"
        + (f" ({took:.1f} s)" if took is not None else "")
    )


@st.fragment(run_every=3)
def show_ranking(data: dict[str, Any], seed: int) -> None:
    """The stress-test ranking, computed in the background (sim.workshop.ranking); this fragment only reads it."""
    folder = ROOT / "rankings" / f"{compute.key_of(data)}-seed{seed}"
    got = ranking.status(folder)
    st.subheader("Stress-test ranking")
    if got.state == "failed":
        st.warning(f"the ranking failed: {got.message or 'see ranking.log'}")
    elif got.state != "done":
        what = "ranking every supplier, lane, region and facility in the background…"
        st.progress(got.fraction, text=f"{what} {got.message}")
    if got.table is not None and not got.table.empty:
        drawn = state.setdefault("tornados", {})  # drawn once per round, not every 3 s
        key = (str(folder), got.rounds_done, len(got.table))
        if key not in drawn:
            unit = str(data.get("currency") or "EUR")
            drawn[key] = save_png(tornado(got.table, "revenue_at_risk", top=10, unit=unit))
        st.image(drawn[key])


def run_current(sess: session.Session, whatif: WhatIf, data: dict[str, Any]) -> None:
    bar = st.progress(0.0, text="running")
    began = time.perf_counter()
    folder = session.whatif_folder(ROOT, compute.key_of(data), whatif)
    try:
        base_run = baseline_of(data, whatif.seed)
        out = compute.run_whatif(data, whatif, folder, ROOT, ARGS.jobs, lambda f, m: bar.progress(f, m), base_run)
    except (SupplysimError, OSError) as exc:
        bar.empty()
        _report(exc)
        return
    bar.empty()
    state.run_seconds = (whatif.name, out.n, time.perf_counter() - began)
    sess.whatifs[whatif.name] = whatif
    state.outcomes[whatif.name] = out
    state.current = whatif.name
    session.save(sess, ROOT)


def outcome_of(sess: session.Session, name: str, data: dict[str, Any]) -> compute.Outcome | None:
    """A what-if's outcome, from memory or from its folder (after a restart: nothing runs again)."""
    if name in state.outcomes:
        return state.outcomes[name]
    whatif = sess.whatifs.get(name)
    if whatif is None:
        return None
    try:
        folder = session.whatif_folder(ROOT, compute.key_of(data), whatif)
        base_run = baseline_of(data, whatif.seed)
        state.outcomes[name] = compute.run_whatif(data, whatif, folder, ROOT, ARGS.jobs, None, base_run)
    except (SupplysimError, OSError) as exc:
        _report(exc)
        return None
    return state.outcomes[name]


def results(out: compute.Outcome, data: dict[str, Any]) -> None:
    st.subheader(f"{out.whatif.name}: {out.sentence}")
    for line in out.whatif.words(str(data.get("period") or "day")):
        st.caption(line)
    took = state.get("run_seconds")
    if took is not None and took[0] == out.whatif.name:
        st.caption(f"{took[1]} paired replications in {took[2]:.1f} s", help="against the cached baseline, same seeds")
    cols = [c for n in layout.card_columns(state.session.projector) for c in st.columns(n)]
    for col, key in zip(cols, layout.CARD_KEYS, strict=True):
        card = out.cards.get(key, {"label": key, "value": "–", "detail": ""})
        with col, st.container(key=key, border=True):
            main, rest = layout.split(card["value"])
            km = key in ("card_tts", "card_ttr")
            st.metric(card["label"], main, help="Kaplan–Meier median over all replications" if km else None)
            st.caption(f"{rest} {card['detail']}".strip())
    st.code(f"reproduce: {out.command}", language="bash")
    curves = state.setdefault("curves", {})
    if str(out.folder) not in curves:
        with st.spinner("resilience curve"):
            curves[str(out.folder)] = compute.curves(out.scenario, out.whatif.seed, ARGS.jobs)
    got = curves[str(out.folder)]
    if got is not None:
        disrupted, base, shaded = got
        start = min((a for a, _ in shaded), default=float("nan"))
        fig = curve_figure(disrupted, base, shaded, out.numbers["card_tts"], out.numbers["card_ttr"], start)
        st.pyplot(fig, clear_figure=True)


def pinned(sess: session.Session, data: dict[str, Any]) -> None:
    if not sess.pinned:
        return
    st.subheader("Pinned what-ifs")
    outs = [o for name in sess.pinned if (o := outcome_of(sess, name, data)) is not None]
    cols = st.columns(len(outs) or 1)
    for col, out in zip(cols, outs, strict=False):
        with col, st.container(key=f"pinned_{layout.slug(out.whatif.name)}", border=True):
            st.markdown(f"**{out.whatif.name}**: {out.sentence}")
            for line in out.whatif.words(str(data.get("period") or "day")):
                st.caption(line)
            for key in layout.CARD_KEYS:
                card = out.cards.get(key)
                if card:
                    st.markdown(f"{card['label']}: **{card['value']}**")
            st.code(f"reproduce: {out.command}", language="bash")
            if st.button("Unpin", key=f"unpin_{layout.slug(out.whatif.name)}"):
                sess.unpin(out.whatif.name)
                session.save(sess, ROOT)
                st.rerun()
    by = st.radio("Leaderboard by", list(layout.RANK_BY), horizontal=True, key="rank_by")
    with st.container(key="leaderboard"):
        st.table(layout.leaderboard(outs, by), hide_index=True)
    if st.button("Export pinned what-ifs", key="export"):
        target = ROOT / "export" / time.strftime("%Y%m%d-%H%M%S")
        with st.spinner("writing the run folders"):
            try:
                written = [export_outcome(o, target, ARGS.jobs) for o in outs]
            except (SupplysimError, OSError) as exc:
                _report(exc)
                return
        st.success("exported: " + ", ".join(str(p) for p in written))


def main() -> None:
    st.set_page_config(page_title="supplysim workshop", layout="wide")
    sess = _session()
    source = picker(sess)
    st.markdown(layout.css(sess.projector), unsafe_allow_html=True)
    st.title("supplysim workshop")
    data = _open(source)
    if data is None:
        return
    if source != sess.scenario:  # another scenario: another workshop (its what-ifs would not apply)
        sess.scenario, sess.whatifs, sess.pinned = source, {}, []
        state.outcomes, state.current = {}, None
        session.save(sess, ROOT)
    data = {**data, "disruptions": []}  # the room's cards are the disruptions
    glance(data)
    try:
        show_baseline(data, sess)
    except (SupplysimError, OSError) as exc:
        _report(exc)
        return
    if not ARGS.no_ranking:
        ranking.start(data, sess.seed, ROOT / "rankings" / f"{compute.key_of(data)}-seed{sess.seed}")
    sc = load_scenario(data)
    whatif = widgets.cards_and_levers(sc, sess)
    buttons = st.columns(3)
    if buttons[0].button("Run", key="run", type="primary"):
        run_current(sess, whatif, data)
    current = state.get("current")
    if buttons[1].button("Refine (+20 replications, same seeds)", key="refine", disabled=current is None):
        refined = sess.whatifs[current]
        refined.replications += 20
        run_current(sess, refined, data)
    if buttons[2].button("Pin", key="pin", disabled=current is None):
        message = sess.pin(sess.whatifs[current])
        if message:
            st.warning(message)
        session.save(sess, ROOT)
    if current is not None and current in state.outcomes:
        results(state.outcomes[current], data)
    pinned(sess, data)
    if not ARGS.no_ranking:
        show_ranking(data, sess.seed)


main()
