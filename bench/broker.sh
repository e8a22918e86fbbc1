# Sourced by the bench scripts: start_broker <dir> <partitions> <topic>... starts a standalone Kafka broker
# (bench/KafkaBroker.java) pinned to CPU 1, the generator's core, so that the gateway's core is all the gateway's;
# sets $broker (its pid) and $kafka (its address), or prints its log and returns 1. Needs $JAR.
start_broker() {
  local dir=$1 partitions=$2
  shift 2
  mkdir -p "$dir"
  (exec taskset -c 1 java -Xmx1g -cp "$JAR" bench/KafkaBroker.java "$dir/kafka" "$partitions" "$@" > "$dir/kafka.log" 2>&1) &
  broker=$!
  for _ in $(seq 1 120); do
    grep -q KAFKA_READY "$dir/kafka.log" 2>/dev/null && break
    kill -0 "$broker" 2>/dev/null || break
    sleep 1
  done
  kafka=$(grep -o 'KAFKA_READY [^ ]*' "$dir/kafka.log" | awk '{print $2}' || true)
  [ -n "$kafka" ] || { echo "broker did not start"; cat "$dir/kafka.log"; kill "$broker" 2>/dev/null; return 1; }
}
