#!/bin/sh
# contrib/bench/event/run.sh: the sweep of the event-loop benchmark (see
# contrib/bench/bench_event.c), run by `make bench-event`.
#
#   run.sh BENCH_EVENT_BINARY OUTDIR
#
# Environment (defaults in brackets):
#   PAIRS   socket pairs per point       ["1000 2000 ... 9000"]
#   ACTIVE  active chains per point      ["100 1000"]
#   ITER    iterations per point, median [2]
#   MODES   "rearm" (the classic: watchers re-registered every run) and/or
#           "persist" (registered once)  ["rearm persist"]
#
# For every mode it writes OUTDIR/results-MODE.txt (one line per point,
# `loop=NAME pairs=N active=A total_us=T handle_us=H`), prints a table, and
# draws OUTDIR/event-MODE.png with gnuplot when gnuplot is installed. The
# lines of the classic mode are also printed as they come, so they are the
# machine-readable output on stdout. Each point is one process in which the
# loops take turns run by run on the same socket pairs. A pair uses two
# descriptors: points that do not fit under `ulimit -n` are skipped with a
# note.
set -eu

bin=${1:?usage: run.sh BENCH_EVENT_BINARY OUTDIR}
out=${2:?usage: run.sh BENCH_EVENT_BINARY OUTDIR}
PAIRS=${PAIRS:-"1000 2000 3000 4000 5000 6000 7000 8000 9000"}
ACTIVE=${ACTIVE:-"100 1000"}
ITER=${ITER:-2}
MODES=${MODES:-"rearm persist"}

mkdir -p "$out"
loops=$("$bin" -h 2>&1 | sed -n 's/^loops: *//p')
test -n "$loops" || { echo "run.sh: $bin lists no loops" >&2; exit 1; }
limit=$(ulimit -n)

# table MODE FILE: one row per point, total and handle for every loop.
table() {
    awk -v mode="$1" -v loops="$loops" '
    {
        for (i = 1; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
        key = f["pairs"] " " f["active"]
        if (!(key in seen)) { seen[key] = 1; order[n++] = key }
        tot[key, f["loop"]] = f["total_us"]; han[key, f["loop"]] = f["handle_us"]
    }
    END {
        nl = split(loops, L, " ")
        printf "\nevent-loop benchmark, %s mode: median time in microseconds\n", mode
        printf "%6s %6s", "pairs", "active"
        for (j = 1; j <= nl; j++) printf " | %14s %9s", L[j] " total", "handle"
        printf "\n"
        for (i = 0; i < n; i++) {
            split(order[i], p, " ")
            printf "%6s %6s", p[1], p[2]
            for (j = 1; j <= nl; j++)
                printf " | %14s %9s", tot[order[i], L[j]], han[order[i], L[j]]
            printf "\n"
        }
    }' "$2"
}

# plot MODE FILE: total and handle time against pairs, one panel per
# active count, log y axis.
plot() {
    command -v gnuplot >/dev/null 2>&1 || {
        echo "run.sh: gnuplot not found (Debian package gnuplot-nox):" \
             "no plot" >&2
        return 0
    }
    for l in $loops; do
        for a in $ACTIVE; do
            awk -v l="$l" -v a="$a" '
            {
                for (i = 1; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
                if (f["loop"] == l && f["active"] == a)
                    print f["pairs"], f["total_us"], f["handle_us"]
            }' "$2" > "$out/$1-$l-$a.dat"
        done
    done
    {
        echo "set terminal png size 1200,900"
        echo "set output '$out/event-$1.png'"
        echo "set multiplot layout 2,2 title 'event-loop benchmark ($1 mode)'"
        echo "set logscale y; set xlabel 'socket pairs'"
        echo "set ylabel 'microseconds'; set key top left; set grid"
        for a in $ACTIVE; do
            for col in 2:total 3:handle; do
                c=${col%%:*}; what=${col#*:}
                printf "set title '%s time, %s active'\nplot" "$what" "$a"
                sep=
                for l in $loops; do
                    printf "%s '%s' using 1:%s with linespoints title '%s'" \
                        "$sep" "$out/$1-$l-$a.dat" "$c" "$l"
                    sep=,
                done
                echo
            done
        done
        echo "unset multiplot"
    } | gnuplot
    echo "plot: $out/event-$1.png"
}

for mode in $MODES; do
    case $mode in
    rearm)   flag= ;;
    persist) flag=-p ;;
    *)       echo "run.sh: unknown mode $mode" >&2; exit 1 ;;
    esac
    res="$out/results-$mode.txt"
    : > "$res"
    for a in $ACTIVE; do
        for n in $PAIRS; do
            if test "$limit" != unlimited && test $((2 * n + 32)) -gt "$limit"
            then
                echo "run.sh: $n pairs need more than ulimit -n $limit:" \
                     "skipped" >&2
                continue
            fi
            lines=$("$bin" -n "$n" -a "$a" -i "$ITER" $flag)
            echo "$lines" >> "$res"
            if test "$mode" = rearm; then
                echo "$lines"
            fi
        done
    done
    table "$mode" "$res"
    plot "$mode" "$res"
done
