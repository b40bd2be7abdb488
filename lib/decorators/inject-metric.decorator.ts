import { Inject } from '@nestjs/common';
import { getMetricToken } from '../metrics/metric-token';

/**
 * Injects the app metric that `makeCounterProvider({ name })` (or the gauge, histogram or summary
 * variant) put in the module's registry: `@InjectMetric('orders_total') orders: Counter<string>`.
 */
export const InjectMetric = (name: string): PropertyDecorator & ParameterDecorator =>
  Inject(getMetricToken(name));
