import { Kafka, logLevel } from 'kafkajs';
import { NubiumMetricsModule } from 'nubium-metrics-nestjs';

/** Settings of the sample app beyond the metrics module's own env vars. */
export const settings = {
  /** Comma-separated bootstrap brokers. */
  kafkaBrokers: (process.env.KAFKA_BROKERS ?? '127.0.0.1:19092').split(',').map((b) => b.trim()),
  /** Appended to consumer group ids, so a demo run starts with groups of its own. */
  groupSuffix: process.env.KAFKA_GROUP_SUFFIX ?? '',
  /** Port of the HTTP setup. */
  httpPort: Number(process.env.HTTP_PORT ?? 3000),
};

/** A kafkajs client of the sample app. */
export function createKafka(clientId: string): Kafka {
  return new Kafka({ clientId, brokers: settings.kafkaBrokers, logLevel: logLevel.WARN });
}

/**
 * The metrics module, configured from the env vars (HOSTNAME, APP_NAME, METRICS_SERVICE_NAME,
 * METRICS_POD_PORT, METRICS_PUSH_RATE). METRICS_DNS_SERVERS is the sample's own: the local demo
 * asks its dnsmasq for the cache's name; in a cluster the system resolver knows it.
 *
 * `deleteOnShutdown: false`, the recommended setting: on SIGTERM the pod pushes its last counts
 * instead of deleting its group, so Prometheus still scrapes what it counted since the last
 * push; the cache's sweeper sidecar deletes the group once it is older than its TTL
 * (docs/kubernetes.md, "deleteOnShutdown: keep it false").
 */
export function metricsModule() {
  const dnsServers = process.env.METRICS_DNS_SERVERS?.split(',').map((s) => s.trim());
  return NubiumMetricsModule.forRoot({
    deleteOnShutdown: false,
    ...(dnsServers ? { dnsServers } : {}),
  });
}
