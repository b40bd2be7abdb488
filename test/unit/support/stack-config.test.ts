import { describe, expect, it } from 'vitest';
import { readShellAssignments } from '../../support/stack-config';

describe('readShellAssignments', () => {
  it('reads plain values and arrays, and skips comments and expansions', () => {
    const values = readShellAssignments(
      [
        '# a comment',
        ': "${NUBIUM_RUN_DIR:=$(pwd)/.run}"',
        'PUSHGATEWAY_ADDRS=(127.0.0.2 127.0.0.3  127.0.0.4)',
        'DNS_PORT=5353 # dnsmasq',
        'HEADLESS_NAME=metrics-cache-headless.nubium.test',
        'lower=ignored',
      ].join('\n'),
    );
    expect(Object.fromEntries(values)).toEqual({
      PUSHGATEWAY_ADDRS: ['127.0.0.2', '127.0.0.3', '127.0.0.4'],
      DNS_PORT: '5353',
      HEADLESS_NAME: 'metrics-cache-headless.nubium.test',
    });
  });
});
