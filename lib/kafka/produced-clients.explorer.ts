import { Injectable } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import type { InstanceWrapper } from '@nestjs/core/injector/instance-wrapper';

/** A `ClientKafka` provider of the app. */
export interface FoundClient {
  /** Its provider token as the start-up log shows it: `"ORDERS"`, `Symbol(orders)`, `OrdersClient`. */
  readonly name: string;
  readonly client: object;
}

type ClientKafkaClass = abstract new (...args: never[]) => object;

/**
 * Finds, once, every `ClientKafka` the app holds as a provider, however it was made
 * (`ClientsModule.register`, `registerAsync`, a factory calling `ClientProxyFactory.create`), with
 * DiscoveryService, as nestjs/schedule's explorer finds its jobs. It only reads:
 * {@link ClientKafkaBinder} acts on what it finds.
 */
@Injectable()
export class ProducedClientsExplorer {
  constructor(private readonly discovery: DiscoveryService) {}

  /**
   * The singleton `ClientKafka` providers, each instance once (an alias, `useExisting`, names
   * the same client). Call it once the providers are created (`onModuleInit`): a factory's
   * client exists only then. Empty when @nestjs/microservices, an optional peer, is not installed.
   */
  async explore(): Promise<FoundClient[]> {
    const ClientKafka = await loadClientKafka();
    if (ClientKafka === undefined) return [];
    const found = new Map<object, string>();
    for (const wrapper of this.discovery.getProviders()) {
      if (wrapper.isAlias || !wrapper.isDependencyTreeStatic()) continue;
      const instance: unknown = wrapper.instance;
      if (instance instanceof ClientKafka && !found.has(instance))
        found.set(instance, tokenName(wrapper));
    }
    return [...found].map(([client, name]) => ({ client, name }));
  }
}

function tokenName(wrapper: InstanceWrapper): string {
  const token: unknown = wrapper.token;
  if (typeof token === 'string') return JSON.stringify(token);
  if (typeof token === 'function') return token.name;
  return String(token);
}

async function loadClientKafka(): Promise<ClientKafkaClass | undefined> {
  try {
    const loaded = (await import('@nestjs/microservices')) as Record<string, unknown>;
    const ClientKafka = loaded.ClientKafka;
    return typeof ClientKafka === 'function' ? (ClientKafka as ClientKafkaClass) : undefined;
  } catch {
    return undefined; // not installed: the app has no ClientKafka
  }
}
