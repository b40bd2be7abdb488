# Addresses and ports of the local stack, shared by every script and test.
# Chosen to stay clear of the services a development machine commonly runs
# (PostgreSQL 5432, MariaDB 3306, Redis 6379, RabbitMQ 5672, Mosquitto 1883, NATS 4222).
# Sourced by bash, and read by test/support/stack-config.ts (plain NAME=value and NAME=(a b) lines).
: "${NUBIUM_RUN_DIR:=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/.run}"
: "${NUBIUM_CACHE_DIR:=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/.cache}"
PUSHGATEWAY_ADDRS=(127.0.0.2 127.0.0.3 127.0.0.4)
PUSHGATEWAY_PORT=9091
DNS_ADDR=127.0.0.1
DNS_PORT=5353
HEADLESS_NAME=metrics-cache-headless.nubium.test
PROMETHEUS_ADDR=127.0.0.1
PROMETHEUS_PORT=19090
KAFKA_ADDR=127.0.0.1
KAFKA_PORT=19092
KAFKA_CONTROLLER_PORT=19093
# vmagent, for pushProtocol victoriametrics: two instances behind a headless name of their own,
# both remote-writing to a VictoriaMetrics single node, vmagent-1 also to a second Prometheus
# (its remote-write receiver). Addresses clear of the fault tests' extra Pushgateways (127.0.0.5-8).
VMAGENT_ADDRS=(127.0.0.41 127.0.0.42)
VMAGENT_PORT=8429
VMAGENT_HEADLESS_NAME=vmagent-headless.nubium.test
VICTORIA_METRICS_ADDR=127.0.0.1
VICTORIA_METRICS_PORT=18428
REMOTE_WRITE_PROMETHEUS_ADDR=127.0.0.1
REMOTE_WRITE_PROMETHEUS_PORT=19091
