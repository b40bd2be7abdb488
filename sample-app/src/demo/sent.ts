/** What the traffic generator sent, by kind: the numbers the demo's table expects back. */
export interface Sent {
  /** Orders written to demo.orders. */
  orders: number;
  /** Of those, orders without an email address (the loop skips and counts them). */
  ordersWithoutEmail: number;
  /** Forms POSTed that the HTTP app must accept. */
  goodForms: number;
  /** Forms POSTed with a body the HTTP app must reject with 400. */
  badForms: number;
  /** Responses that were not what the form called for (status, or a failed request). */
  unexpectedResponses: number;
}
