#!/usr/bin/env bash
# Miss-ratio curve: hit ratio against -m for memcached and Bastion on one workload, as a CSV, a Markdown table and an
# SVG picture (gnuplot).
#
#   bench/miss-ratio-curve.sh OUT [replay options...]
#   bench/miss-ratio-curve.sh docs/images/mrc-zipf-0.99-100b --workload zipf --theta 0.99 --keys 1000000 \
#       --requests 600000 --value 100
#
# Writes OUT.csv, OUT.md and OUT.svg. MEMS (default 4,8,16,32,64,128) are the -m sizes in MB; the replay options are
# those of bench/replay.sh (TraceReplay). PLOT_ONLY=1 redraws OUT.svg and OUT.md from an existing OUT.csv. Needs
# gnuplot for the picture (Debian: apt-get install gnuplot-nox); without it the CSV and table are still written.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=${1:?usage: bench/miss-ratio-curve.sh OUT [replay options...]}
shift
MEMS=${MEMS:-4,8,16,32,64,128}
if [ -z "${PLOT_ONLY:-}" ]; then
  rm -f "$OUT.csv"
  "$ROOT/bench/replay.sh" "$@" --mem "$MEMS" --csv "$OUT.csv"
fi
python3 - "$OUT.csv" "$OUT.md" "$OUT.dat" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
by = {}
for r in rows:
    by.setdefault(int(r["mem_mb"]), {})[r["server"]] = r
first = rows[0]
with open(sys.argv[2], "w") as md:
    md.write(f"{first['workload']}, {int(first['requests']):,} requests, {int(first['keys']):,} distinct keys, "
             f"{first['value_bytes']} B values\n\n")
    md.write("| -m (MB) | memcached hit ratio (items) | Bastion hit ratio (items) | Bastion/memcached |\n")
    md.write("|---:|---:|---:|---:|\n")
    with open(sys.argv[3], "w") as dat:
        for mb in sorted(by):
            m, b = by[mb].get("memcached"), by[mb].get("bastion")
            if not (m and b):
                continue
            mh, bh = float(m["hit_ratio"]), float(b["hit_ratio"])
            md.write(f"| {mb} | {mh:.3f} ({int(m['items']):,}) | {bh:.3f} ({int(b['items']):,}) | {bh / mh:.3f}x |\n")
            dat.write(f"{mb} {mh} {bh}\n")
PY
if command -v gnuplot >/dev/null 2>&1; then
  title=$(head -1 "$OUT.md" | sed 's/"/\\"/g')
  gnuplot <<GP
set terminal svg size 720,440 dynamic font "sans,12"
set output "$OUT.svg"
set title "$title" font "sans,11"
set xlabel "-m (MB)"
set ylabel "hit ratio"
set logscale x 2
set key bottom right
set grid
plot "$OUT.dat" using 1:2 with linespoints lw 2 pt 7 title "memcached 1.6.18", \
     "$OUT.dat" using 1:3 with linespoints lw 2 pt 5 title "Bastion"
GP
fi
rm -f "$OUT.dat"
cat "$OUT.md"
