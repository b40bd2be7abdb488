/** The Kafka topics of the sample app: the loop reads orders and writes enriched orders, the HTTP app writes forms. */
export const TOPICS = {
  orders: 'demo.orders',
  enrichedOrders: 'demo.orders-enriched',
  forms: 'demo.forms',
} as const;
