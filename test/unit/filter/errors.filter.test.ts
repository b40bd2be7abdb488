import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host';
import { KafkaRetriableException, RpcException } from '@nestjs/microservices';
import { isObservable, lastValueFrom, type Observable } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { MetricsErrorsFilter } from '../../../lib/filter/errors.filter';
import { testManager } from '../../support/fake-kafka';

function host(type: string): ExecutionContextHost {
  const h = new ExecutionContextHost([{}, {}]);
  h.setType(type);
  return h;
}

async function loadedFilter() {
  const metrics = testManager();
  const filter = new MetricsErrorsFilter(metrics);
  await filter.onModuleInit();
  return { metrics, filter };
}

async function errorOf(result: unknown): Promise<unknown> {
  expect(isObservable(result)).toBe(true);
  return lastValueFrom(result as Observable<unknown>).then(
    () => 'no error',
    (error: unknown) => error,
  );
}

class Rejected extends Error {}

describe('MetricsErrorsFilter', () => {
  it('counts an RPC exception by class name and answers as BaseRpcExceptionFilter does', async () => {
    const { metrics, filter } = await loadedFilter();
    expect(await errorOf(filter.catch(new Rejected('x'), host('rpc')))).toEqual({
      status: 'error',
      message: 'Internal server error',
    });
    expect(await errorOf(filter.catch(new RpcException('bad input'), host('rpc')))).toEqual({
      status: 'error',
      message: 'bad input',
    });
    expect([metrics.messageErrors('Rejected'), metrics.messageErrors('RpcException')]).toEqual([
      1, 1,
    ]);
  });

  it('hands a KafkaRetriableException back as itself, so the Kafka transport still retries it', async () => {
    const { metrics, filter } = await loadedFilter();
    const retriable = new KafkaRetriableException('try again');
    expect(await errorOf(filter.catch(retriable, host('rpc')))).toBe(retriable);
    expect(metrics.messageErrors('KafkaRetriableException')).toBe(1);
  });

  it('rethrows in contexts without a default filter of their own, after counting', async () => {
    const { metrics, filter } = await loadedFilter();
    const error = new Rejected('graphql resolver failed');
    expect(() => filter.catch(error, host('graphql'))).toThrow(error);
    expect(metrics.messageErrors('Rejected')).toBe(1);
  });
});
