// Addresses of the local test stack; scripts/config.sh is the source, keep the two in step.

/** Loopback addresses of the three Pushgateways, the pods of the metrics cache. */
export const PUSHGATEWAY_ADDRS = ['127.0.0.2', '127.0.0.3', '127.0.0.4'] as const;
export const PUSHGATEWAY_PORT = 9091;
/** dnsmasq, which answers HEADLESS_NAME; in the form `Resolver.setServers` takes. */
export const DNS_SERVER = '127.0.0.1:5353';
export const HEADLESS_NAME = 'metrics-cache-headless.nubium.test';
export const PROMETHEUS_URL = 'http://127.0.0.1:19090';
export const KAFKA_BROKER = '127.0.0.1:19092';
