import { Injectable } from '@nestjs/common';

/**
 * What the ClientKafka counting found at bootstrap, shared with `@CountProduced`: where the module
 * counts a `ClientKafka` of the app, a send through it is counted when the broker acknowledges
 * it, so the decorator, which would count the same send again from the handler's result, counts
 * nothing (see {@link ClientKafkaBinder}).
 */
@Injectable()
export class CountedClients {
  /** True from bootstrap to shutdown when the module counts at least one `ClientKafka`. */
  active = false;
  /** The `@CountProduced` handlers of the app (`Class.method`), as the handlers' binder bound them. */
  readonly decorated: string[] = [];
}
