#!/usr/bin/env node
import { crashed } from './cli.messages';
import { runCli } from './run-cli';

// The `nubium-metrics` command. SIGTERM and SIGINT end a repeating sweep cleanly.
const stop = new AbortController();
process.once('SIGTERM', () => stop.abort());
process.once('SIGINT', () => stop.abort());
runCli(process.argv.slice(2), { out: process.stdout, err: process.stderr }, stop.signal).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(crashed(error));
    process.exitCode = 1;
  },
);
