// Prometheus metrics from the master, summed across workers, checked by promtool.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { FIXTURES, startServer, waitFor } from '../helpers/narwhal.js';
import { request } from '../helpers/http.js';

/** `name{labels} value` lines as a map. */
function samples(text: string): Map<string, number> {
  const map = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const i = line.lastIndexOf(' ');
    map.set(line.slice(0, i), Number(line.slice(i + 1)));
  }
  return map;
}

test('/metrics sums every worker, keeps the counts of retired workers, and passes promtool', async (t) => {
  const s = await startServer([path.join(FIXTURES, 'throw.ts'), '-w', '2', '--metrics-bind', '127.0.0.1:0'], { workers: 2 });
  const metricsUrl = (await s.waitForLog(/Metrics at: (http:\/\/127\.0\.0\.1:\d+\/metrics)/))[1]!;
  for (let i = 0; i < 8; i++) await request(`${s.url}/ok`);
  for (let i = 0; i < 3; i++) await request(`${s.url}/status/404`, { method: 'POST', body: 'x' });
  let scrape = await request(metricsUrl);
  assert.equal(scrape.status, 200);
  assert.match(scrape.headers['content-type'] ?? '', /^text\/plain; version=0\.0\.4/);
  let m = samples(scrape.body);
  assert.equal(m.get('narwhal_http_requests_total{method="GET",status="200"}'), 8);
  assert.equal(m.get('narwhal_http_requests_total{method="POST",status="404"}'), 3);
  assert.equal(m.get('narwhal_http_request_duration_seconds_count{method="GET"}'), 8);
  assert.equal(m.get('narwhal_http_response_body_bytes_total'), 8 * 'path /ok'.length + 3 * 'path /status/404'.length);
  assert.equal(m.get('narwhal_workers'), 2);
  assert.equal(m.get('narwhal_http_requests_in_flight'), 0);
  for (const pid of s.readyPids()) {
    assert.ok(m.has(`narwhal_worker_heartbeat_age_seconds{pid="${pid}"}`));
    assert.ok(m.has(`narwhal_worker_event_loop_lag_seconds{pid="${pid}"}`));
  }

  if (existsSync('/usr/bin/promtool')) {
    const check = spawnSync('promtool', ['check', 'metrics'], { input: scrape.body, encoding: 'utf8' });
    assert.equal(check.status, 0, `promtool: ${check.stdout}${check.stderr}`);
  } else {
    t.diagnostic('promtool is not installed (apt-get install prometheus): the format check did not run');
  }

  // A scale-down and a reload retire workers gracefully: their counts stay in the sums.
  s.signal('SIGTTOU');
  await waitFor('one worker left', async () => samples((await request(metricsUrl)).body).get('narwhal_workers') === 1);
  s.signal('SIGHUP');
  await s.waitForLog(/Reload complete/);
  await waitFor('the reload counted', async () => samples((await request(metricsUrl)).body).get('narwhal_worker_restarts_total{reason="reload"}') === 1);
  const [survivor] = s.readyPids().slice(-1);
  process.kill(survivor!, 'SIGKILL');
  await waitFor('a replacement', () => s.readyPids().length === 4);
  scrape = await request(metricsUrl);
  m = samples(scrape.body);
  assert.equal(m.get('narwhal_http_requests_total{method="GET",status="200"}'), 8, 'counts of retired workers are kept');
  assert.equal(m.get('narwhal_worker_restarts_total{reason="scale-down"}'), 1);
  assert.equal(m.get('narwhal_worker_restarts_total{reason="crash"}'), 1);
  assert.equal(m.get('narwhal_reloads_total'), 1);
  assert.equal((await request(metricsUrl.replace('/metrics', '/other'))).status, 404);
  await s.stop();
});
