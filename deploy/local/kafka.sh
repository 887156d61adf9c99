#!/usr/bin/env bash
# Apache Kafka 4.x, single node in KRaft mode (broker + controller), from the jars Maven resolves.
# Usage: kafka.sh install|start|stop|status
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

LIB="$CACHE_DIR/kafka-$KAFKA_VERSION/lib"
HOME_DIR="$LOCAL_DIR/kafka"
PIDFILE="$HOME_DIR/kafka.pid"
LOGFILE="$HOME_DIR/logs/server.out"

install() {
  if [ -f "$LIB/.complete" ]; then return 0; fi
  command -v mvn >/dev/null || die "mvn not found: install Maven (apt-get install maven)"
  command -v java >/dev/null || die "java not found: Kafka 4 needs Java 17+"
  log "resolving Kafka $KAFKA_VERSION jars with Maven into $LIB"
  mkdir -p "$LIB"
  mvn -q -B -f "$ROOT/deploy/local/kafka/pom.xml" dependency:copy-dependencies \
    -Dkafka.version="$KAFKA_VERSION" -DincludeScope=runtime -DoutputDirectory="$LIB"
  touch "$LIB/.complete"
}

configure() {
  mkdir -p "$HOME_DIR/config" "$HOME_DIR/data" "$HOME_DIR/logs"
  cat >"$HOME_DIR/config/server.properties" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=$HOME_DIR/data
num.partitions=1
auto.create.topics.enable=false
offsets.topic.replication.factor=1
offsets.topic.num.partitions=8
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
log.segment.bytes=67108864
log.retention.check.interval.ms=60000
PROPS
  cat >"$HOME_DIR/config/log4j2.properties" <<PROPS
status = warn
appender.file.type = File
appender.file.name = FILE
appender.file.fileName = $HOME_DIR/logs/server.log
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.file.ref = FILE
logger.kafka.name = kafka
logger.kafka.level = INFO
logger.org.name = org.apache.kafka
logger.org.level = WARN
PROPS
}

ready() { port_open "$KAFKA_PORT" && grep -q "Kafka Server started" "$HOME_DIR/logs/server.log" 2>/dev/null; }

start() {
  if pid_alive "$PIDFILE" && ready; then log "Kafka already running on 127.0.0.1:$KAFKA_PORT (pid $(cat "$PIDFILE"))"; return 0; fi
  if pid_alive "$PIDFILE"; then
    wait_for "Kafka" 60 "$HOME_DIR/logs/server.log" ready
    return
  fi
  port_open "$KAFKA_PORT" && die "port $KAFKA_PORT is taken by another process: set WAYMARK_LOCAL_KAFKA_PORT"
  install
  configure
  local cp="$LIB/*" java_opts="$KAFKA_HEAP -XX:+UseG1GC -Djava.awt.headless=true -Dlog4j2.configurationFile=$HOME_DIR/config/log4j2.properties"
  if [ ! -f "$HOME_DIR/data/meta.properties" ]; then
    local cluster_id
    cluster_id="$(java -cp "$cp" kafka.tools.StorageTool random-uuid 2>/dev/null | tail -n 1)"
    log "formatting KRaft storage (cluster $cluster_id)"
    # shellcheck disable=SC2086
    java $java_opts -cp "$cp" kafka.tools.StorageTool format -t "$cluster_id" \
      -c "$HOME_DIR/config/server.properties" >"$HOME_DIR/logs/format.out" 2>&1 \
      || { tail -n 20 "$HOME_DIR/logs/format.out" >&2; die "formatting Kafka storage failed"; }
  fi
  : >"$HOME_DIR/logs/server.log"
  log "starting Kafka $KAFKA_VERSION on 127.0.0.1:$KAFKA_PORT"
  # shellcheck disable=SC2086
  nohup java $java_opts -cp "$cp" kafka.Kafka "$HOME_DIR/config/server.properties" \
    >"$LOGFILE" 2>&1 </dev/null &
  echo $! >"$PIDFILE"
  if ! wait_for "Kafka" 90 "$HOME_DIR/logs/server.log" ready; then
    tail -n 20 "$LOGFILE" >&2 || true
    stop_pid "Kafka" "$PIDFILE"
    die "Kafka did not start"
  fi
  log "Kafka ready on 127.0.0.1:$KAFKA_PORT"
}

stop() { stop_pid "Kafka" "$PIDFILE"; }

status() {
  if pid_alive "$PIDFILE" && ready; then echo "kafka: running on 127.0.0.1:$KAFKA_PORT (pid $(cat "$PIDFILE"))"; else echo "kafka: stopped"; return 1; fi
}

"${1:-status}"
