#!/usr/bin/env bash
# HTTPKit bar (issue 2): monolith vs nginx on GET /health, then a 1,000-connection soak.
#
#   bench/http/run.sh                 3 rounds of wrk -t2 -c64 -d10s each, soak 30 s
#   ROUNDS=5 DURATION=10s SOAK=30s bench/http/run.sh
#   NO_BUILD=1 bench/http/run.sh      reuse .build/release/monolith
#
# nginx: 2 workers, a fixed {"status":"ok"} body, its own temp config and pid file.
# Both listen on 127.0.0.1 only; both are stopped by PID when the script ends.
# Rounds alternate nginx and monolith so a neighbour's load hits both alike; the figures
# compared are medians within this one run. Bar: rps >= 0.9x nginx, p99 <= 1.5x nginx.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-10s}
SOAK=${SOAK:-30s}
SOAK_CONNECTIONS=${SOAK_CONNECTIONS:-1000}
NGINX_PORT=${NGINX_PORT:-18481}
MONO_PORT=${MONO_PORT:-18480}
NGINX=$(command -v nginx || echo /usr/sbin/nginx)

# 1,000 client sockets plus 1,000 server sockets need more than the usual 1,024 fds.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || ulimit -n 65536 || true

if [ "${NO_BUILD:-0}" != 1 ]; then
  echo "[build] swift build -c release --static-swift-stdlib --product monolith"
  swift build -c release --static-swift-stdlib --product monolith 2>&1 | grep -E "error|warning|Compiling|Build" | tail -2
fi
BIN=$(swift build -c release --static-swift-stdlib --show-bin-path)/monolith

TMP=$(mktemp -d /tmp/monolith-bench-http.XXXXXX)
NGINX_PID=""
MONO_PID=""
cleanup() {
  [ -n "$MONO_PID" ] && kill "$MONO_PID" 2>/dev/null && wait "$MONO_PID" 2>/dev/null
  [ -n "$NGINX_PID" ] && kill "$NGINX_PID" 2>/dev/null
  sleep 0.3
  rm -rf "$TMP"
}
trap cleanup EXIT INT TERM

cat > "$TMP/nginx.conf" <<CONF
worker_processes 2;
pid $TMP/nginx.pid;
error_log $TMP/error.log;
worker_rlimit_nofile 65536;
events { worker_connections 8192; }
http {
  access_log off;
  keepalive_requests 1000000;
  server {
    listen 127.0.0.1:$NGINX_PORT;
    location = /health { default_type application/json; return 200 '{"status":"ok"}'; }
  }
}
CONF
"$NGINX" -c "$TMP/nginx.conf" -p "$TMP"
for _ in $(seq 50); do [ -s "$TMP/nginx.pid" ] && break; sleep 0.1; done
NGINX_PID=$(cat "$TMP/nginx.pid")

# setsid: its own session, hence its own scheduler autogroup, as the daemonized nginx has;
# without it monolith would share a CPU share with wrk and the comparison would be unfair.
setsid "$BIN" serve --host 127.0.0.1 --port "$MONO_PORT" --log-level warning >"$TMP/monolith.log" 2>&1 &
MONO_PID=$!
for _ in $(seq 50); do "$BIN" healthcheck --port "$MONO_PORT" 2>/dev/null && break; sleep 0.1; done
curl -fsS "http://127.0.0.1:$NGINX_PORT/health" >/dev/null
echo "[setup] nginx pid $NGINX_PID on :$NGINX_PORT, monolith pid $MONO_PID on :$MONO_PORT ($(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg))"

# CPU time (user+system, clock ticks) of a server: the process and its direct children
# (nginx's workers). With the neighbours' load swinging, CPU per request is the steadier figure.
cpu_ticks() {
  local total=0 pid
  for pid in "$1" $(awk -v p="$1" '$4 == p { print $1 }' /proc/[0-9]*/stat 2>/dev/null); do
    [ -r "/proc/$pid/stat" ] || continue
    total=$(( total + $(awk '{ print $14 + $15 }' "/proc/$pid/stat") ))
  done
  echo "$total"
}

# Another load generator on this 2-core machine makes every figure meaningless: say so.
others() { ps -eo comm= | grep -cxE 'wrk|h2load|hey|ab|locust' || true; }
busy_check() {
  local n
  n=$(others)
  [ "$n" -gt 0 ] && echo "[warning] $n other load generator(s) running during $1: figures unreliable, rerun later"
  return 0
}

# Prints "<requests/s> <p99 ms> <errors> <server CPU us per request>" of one wrk run.
measure() {
  local out before after
  before=$(cpu_ticks "$2")
  out=$(wrk -t2 -c64 -d"$DURATION" --latency "http://127.0.0.1:$1/health")
  after=$(cpu_ticks "$2")
  echo "$out" | awk -v ticks=$(( after - before )) -v hz="$(getconf CLK_TCK)" '
    / requests in / { n = $1 }
    /Requests\/sec/ { rps = $2 }
    /^ +99%/ { v = $2; u = v; sub(/[0-9.]+/, "", u); sub(/[a-z]+$/, "", v)
               p99 = (u == "us") ? v / 1000 : (u == "s") ? v * 1000 : v }
    /Socket errors/ { split($0, a, /[ ,]+/); for (i in a) if (a[i] ~ /^[0-9]+$/) err += a[i] }
    /Non-2xx/ { err += $NF }
    END { printf "%.0f %.3f %d %.2f\n", rps, p99, err, (n > 0 ? ticks / hz * 1e6 / n : 0) }'
}
median() { sort -g | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

: >"$TMP/nginx.txt"
: >"$TMP/mono.txt"
for round in $(seq "$ROUNDS"); do
  busy_check "round $round"
  n=$(measure "$NGINX_PORT" "$NGINX_PID"); echo "$n" >>"$TMP/nginx.txt"
  m=$(measure "$MONO_PORT" "$MONO_PID"); echo "$m" >>"$TMP/mono.txt"
  echo "[round $round] nginx: $n   monolith: $m   (req/s, p99 ms, errors, server CPU us/req)"
done
N_RPS=$(cut -d' ' -f1 "$TMP/nginx.txt" | median); N_P99=$(cut -d' ' -f2 "$TMP/nginx.txt" | median)
M_RPS=$(cut -d' ' -f1 "$TMP/mono.txt" | median); M_P99=$(cut -d' ' -f2 "$TMP/mono.txt" | median)
N_CPU=$(cut -d' ' -f4 "$TMP/nginx.txt" | median); M_CPU=$(cut -d' ' -f4 "$TMP/mono.txt" | median)
awk -v nr="$N_RPS" -v np="$N_P99" -v mr="$M_RPS" -v mp="$M_P99" -v nc="$N_CPU" -v mc="$M_CPU" 'BEGIN {
  printf "[median] nginx %.0f req/s p99 %.3f ms %.2f us CPU/req | monolith %.0f req/s p99 %.3f ms %.2f us CPU/req\n", nr, np, nc, mr, mp, mc
  printf "[bar] throughput %.2fx nginx (need >= 0.90): %s | p99 %.2fx nginx (need <= 1.50): %s\n",
    mr / nr, (mr / nr >= 0.9 ? "PASS" : "FAIL"), mp / np, (mp / np <= 1.5 ? "PASS" : "FAIL") }'

# Soak: many concurrent keep-alive connections; RSS and open fds before, during, after.
fds() { ls "/proc/$MONO_PID/fd" | wc -l; }
rss() { awk '/VmRSS/ { print $2 " kB" }' "/proc/$MONO_PID/status"; }
busy_check "the soak"
echo "[soak] before: rss $(rss), fds $(fds)"
wrk -t2 -c"$SOAK_CONNECTIONS" -d"$SOAK" --latency "http://127.0.0.1:$MONO_PORT/health" >"$TMP/soak.txt" &
WRK_PID=$!
secs=${SOAK%s}
for t in $(seq 5 5 $((secs - 1))); do
  sleep 5
  echo "[soak] t=${t}s: rss $(rss), fds $(fds)"
done
wait "$WRK_PID"
grep -E "Requests/sec|Socket errors|Non-2xx|requests in|99%" "$TMP/soak.txt" | sed 's/^/[soak] /'
grep -qE "Socket errors|Non-2xx" "$TMP/soak.txt" && echo "[soak] ERRORS (see above)" || echo "[soak] errors: 0"
sleep 1
echo "[soak] after: rss $(rss), fds $(fds)"
