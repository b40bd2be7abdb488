/** An order as the traffic generator writes it to `demo.orders`. */
export interface Order {
  id: number;
  email_address?: string;
  amount: number;
}

/** An order with what the loop adds to it, written to `demo.orders-enriched`. */
export interface EnrichedOrder extends Order {
  email_address: string;
  email_domain: string;
  processed_at: string;
}

/** An order without an email address: the loop cannot key it, so it is skipped and counted. */
export class MissingEmailError extends Error {
  constructor(readonly orderId: number | undefined) {
    super(`order ${orderId ?? '?'} has no email address`);
    this.name = 'MissingEmailError';
  }
}

/** The loop's transform step; throws {@link MissingEmailError} for an order it cannot key. */
export function enrich(value: Buffer | null): EnrichedOrder {
  const order = JSON.parse(value?.toString('utf8') ?? 'null') as Order | null;
  const email = order?.email_address;
  if (!order || typeof email !== 'string' || !email.includes('@')) {
    throw new MissingEmailError(order?.id);
  }
  return {
    ...order,
    email_address: email,
    email_domain: email.slice(email.indexOf('@') + 1),
    processed_at: new Date().toISOString(),
  };
}
