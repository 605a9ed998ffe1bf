#!/usr/bin/env node
// Installs an app, waits until it is healthy, follows its logs for a few seconds, then removes it.
//
//   npm install apolo-apps        # and `npm install ws` on Node 20 (Node >= 22 has a global WebSocket)
//   APOLO_API_URL=https://api.apolo.us/api/v1 APOLO_TOKEN=... node install-watch-logs.mjs [template] [seconds]
//
// The cluster, org and project are the ones `apolo login` would pick (ApoloClient.connect reads /config);
// APOLO_CLUSTER, APOLO_ORG and APOLO_PROJECT override them.
import { ApoloClient, AppState } from 'apolo-apps';

const [template = 'shell', seconds = '5'] = process.argv.slice(2);
const { APOLO_API_URL: apiUrl, APOLO_TOKEN: token } = process.env;
if (!apiUrl || !token) {
  console.error('set APOLO_API_URL and APOLO_TOKEN');
  process.exit(2);
}
const WebSocket = globalThis.WebSocket ?? (await import('ws').catch(() => null))?.default;

// One status line, rewritten in place on a terminal; one line per change otherwise (CI logs, pipes).
const tty = process.stdout.isTTY;
function progress(text) {
  if (tty) process.stdout.write(`\r\x1b[2K${text}`);
  else console.log(text);
}
function done(text) {
  if (tty) process.stdout.write('\n');
  console.log(text);
}

const client = await ApoloClient.connect({
  apiUrl, token, WebSocket,
  cluster: process.env.APOLO_CLUSTER, org: process.env.APOLO_ORG, project: process.env.APOLO_PROJECT,
});
const app = await client.apps.install({ template_name: template, template_version: 'latest', input: {} });
console.log(`installed ${app.id} (${template}) in ${client.cluster}/${client.org}/${client.project}`);

// Ctrl-C stops whatever is running and still removes the app.
const stop = new AbortController();
process.once('SIGINT', () => stop.abort(new Error('interrupted')));

try {
  // 1. Wait until healthy: watch yields the current state at once, then each change.
  const started = Date.now();
  for await (const snapshot of client.apps.watch(app.id, { intervalMs: 1000, signal: stop.signal })) {
    progress(`${snapshot.state.padEnd(12)} ${((Date.now() - started) / 1000).toFixed(1)} s`);
    if (snapshot.state === AppState.HEALTHY) break;
    if (snapshot.state === AppState.ERRORED || snapshot.state === AppState.DEGRADED) {
      throw new Error(`the app became ${snapshot.state}; see client.apps.getEvents('${app.id}')`);
    }
  }
  done(`healthy after ${((Date.now() - started) / 1000).toFixed(1)} s`);

  // 2. Follow the logs for a few seconds (the archive first, then live lines).
  const follow = new AbortController();
  const timer = setTimeout(() => follow.abort(), Number(seconds) * 1000);
  const both = AbortSignal.any([follow.signal, stop.signal]);
  try {
    for await (const line of client.apps.logLines(app.id, { signal: both })) console.log(`  | ${line}`);
  } catch (e) {
    if (!follow.signal.aborted) throw e; // our own time limit is how following ends
  } finally {
    clearTimeout(timer);
  }
} finally {
  // 3. Remove it, and wait until the platform says it is gone (watch ends after `uninstalled`).
  await client.apps.uninstall(app.id);
  for await (const snapshot of client.apps.watch(app.id, { intervalMs: 1000 })) progress(snapshot.state);
  done(`removed ${app.id}`);
}
