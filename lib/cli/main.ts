#!/usr/bin/env node
import { runCli } from './run-cli';

// The `nubium-metrics` command. SIGTERM and SIGINT end a repeating sweep cleanly.
const stop = new AbortController();
process.once('SIGTERM', () => stop.abort());
process.once('SIGINT', () => stop.abort());
void runCli(process.argv.slice(2), { out: process.stdout, err: process.stderr }, stop.signal).then(
  (code) => {
    process.exitCode = code;
  },
);
