// The files in deploy/ checked without the hosts they are for: systemd units
// by `systemd-analyze verify`, the Dockerfile statically (and its HEALTHCHECK
// command run for real against Narwhal), the Kubernetes manifests against the
// Kubernetes schemas, and every timeout, path and port in them against what
// Narwhal makes of the flags they pass.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import ts from 'typescript';
import { parseAllDocuments } from 'yaml';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import { Service } from 'kubernetes-models/v1/Service';
import { readEnv } from '../../src/config/env.js';
import { resolveConfig } from '../../src/config/resolve.js';
import type { Config } from '../../src/config/settings.js';
import { BIN, FIXTURES, Narwhal, ROOT, startServer, waitFor } from '../helpers/narwhal.js';
import { request } from '../helpers/http.js';

const DEPLOY = path.join(ROOT, 'deploy');
const EMPTY_DIR = mkdtempSync(path.join(tmpdir(), 'narwhal-deploy-'));

/** What Narwhal resolves from these flags and environment (no config file). */
async function narwhalConfig(argv: readonly string[], env: Record<string, string> = {}): Promise<Config> {
  return (await resolveConfig({ argv, env: readEnv(env), cwd: EMPTY_DIR })).config;
}

const portOf = (bind: string) => Number(/:(\d+)$/.exec(bind)?.[1]);

describe('systemd units', () => {
  const unitDir = path.join(DEPLOY, 'systemd');
  const service = readFileSync(path.join(unitDir, 'narwhal.service'), 'utf8');
  const directive = (text: string, key: string) => new RegExp(`^${key}=(.*)$`, 'm').exec(text)?.[1];
  const analyze = spawnSync('systemd-analyze', ['--version']);

  test('systemd-analyze verify accepts them, with no warning', { skip: analyze.error ? 'systemd-analyze is not installed here (Debian package systemd)' : false }, () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'narwhal-units-'));
    try {
      copyFileSync(path.join(unitDir, 'narwhal.socket'), path.join(dir, 'narwhal.socket'));
      // verify checks that ExecStart's program exists: point it at this machine's node.
      writeFileSync(path.join(dir, 'narwhal.service'), service.replace('/usr/bin/node ', `${process.execPath} `));
      const r = spawnSync('systemd-analyze', ['verify', path.join(dir, 'narwhal.socket'), path.join(dir, 'narwhal.service')], { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stderr.trim(), '', 'unknown keys and bad values are only warnings to systemd-analyze: none is allowed');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('Type=notify, sockets from systemd, TERM to the master only, and a stop timeout above the graceful timeout', async () => {
    assert.equal(directive(service, 'Type'), 'notify');
    assert.equal(directive(service, 'KillMode'), 'mixed');
    assert.equal(directive(service, 'KillSignal'), 'SIGTERM');
    assert.match(directive(service, 'Requires') ?? '', /narwhal\.socket/);
    const exec = directive(service, 'ExecStart')!.split(/\s+/);
    const args = exec.slice(exec.findIndex((w) => w.endsWith('narwhal.js')) + 1);
    const withoutFile = args.filter((a, i) => a !== '--config' && args[i - 1] !== '--config');
    const config = await narwhalConfig(withoutFile);
    assert.ok(!args.includes('--bind') && !args.includes('-b'), 'the sockets come from narwhal.socket (LISTEN_FDS), not --bind');
    assert.equal(directive(readFileSync(path.join(unitDir, 'narwhal.socket'), 'utf8'), 'Accept'), 'no');
    assert.ok(Number(directive(service, 'TimeoutStopSec')) > config.gracefulTimeout, 'systemd must not SIGKILL a master still draining');
    assert.equal(directive(service, 'ExecReload'), '/bin/kill -s HUP $MAINPID');
  });
});

describe('Dockerfile', () => {
  const text = readFileSync(path.join(DEPLOY, 'docker/Dockerfile'), 'utf8').replace(/\\\n\s*/g, ' ');
  const lines = text.split('\n').filter((l) => l.trim() && !l.trimStart().startsWith('#'));
  const last = (word: string) => lines.filter((l) => l.startsWith(`${word} `)).at(-1)?.slice(word.length + 1).trim();
  const json = (word: string) => JSON.parse(last(word)!) as string[];

  test('multi-stage, a non-root user, Narwhal as PID 1 in exec form', () => {
    const stages = lines.filter((l) => l.startsWith('FROM '));
    assert.ok(stages.length >= 2, 'a dependencies stage and a runtime stage');
    const finalStage = lines.slice(lines.lastIndexOf(stages.at(-1)!));
    const user = finalStage.filter((l) => l.startsWith('USER ')).at(-1)?.slice(5).trim();
    assert.ok(user && !['root', '0', '0:0'].includes(user), `runs as ${user}`);
    assert.ok(!finalStage.some((l) => /^RUN .*(npm ci|npm install)/.test(l)), 'dependencies come from the deps stage');
    const entry = json('ENTRYPOINT');
    assert.deepEqual(entry.slice(0, 2), ['node', 'node_modules/narwhal/dist/bin/narwhal.js'], 'no shell or npm between the runtime and Narwhal: signals reach the master');
    assert.equal(last('STOPSIGNAL'), 'SIGTERM');
  });

  test("CMD's flags are valid, and EXPOSE and HEALTHCHECK match its bind and --health-path", async () => {
    const config = await narwhalConfig(json('CMD'));
    assert.ok(config.healthPath, 'the HEALTHCHECK needs --health-path');
    const port = portOf(config.bind[0]!);
    assert.equal(Number(last('EXPOSE')), port);
    const probe = /CMD (\[.*\])$/.exec(last('HEALTHCHECK')!)![1]!;
    const url = /fetch\('([^']+)'\)/.exec(probe)?.[1];
    assert.equal(url, `http://127.0.0.1:${port}${config.healthPath}`);
  });

  test('the HEALTHCHECK command itself passes against a serving Narwhal', async () => {
    const config = await narwhalConfig(json('CMD'));
    const server = await startServer([path.join(FIXTURES, 'hello.ts'), '--health-path', config.healthPath!]);
    try {
      const probe = JSON.parse(/CMD (\[.*\])$/.exec(last('HEALTHCHECK')!)![1]!) as string[];
      const run = (script: string) => spawnSync(process.execPath, probe.slice(1).map((a) => (a === probe[2] ? script : a)), { timeout: 10_000 });
      assert.equal(run(probe[2]!.replace(`:${portOf(config.bind[0]!)}/`, `:${server.port}/`)).status, 0);
      assert.equal(run(probe[2]!.replace(`:${portOf(config.bind[0]!)}/`, ':1/')).status, 1, 'nothing listening: unhealthy');
    } finally {
      await server.stop();
    }
  });
});

/** Host pids of a process's children, from /proc. */
function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

const stateOf = (pid: number) => /\) (\w)/.exec(readFileSync(`/proc/${pid}/stat`, 'utf8'))?.[1];
const canUnshare = spawnSync('unshare', ['--pid', '--fork', '--mount-proc', 'true']).status === 0;

test('Narwhal as PID 1 (a new PID namespace, as in the container): reaps its workers, drains on TERM', { skip: canUnshare ? false : 'unshare --pid is not permitted here' }, async () => {
  const n = new Narwhal([path.join(FIXTURES, 'hello.ts'), '--bind', '127.0.0.1:0', '--workers', '2', '--log-level', 'debug'], {
    command: ['unshare', '--pid', '--fork', '--kill-child', '--mount-proc', process.execPath, BIN],
  });
  try {
    const port = Number((await n.waitForLog(/Listening at: http:\/\/127\.0\.0\.1:(\d+) \(1\)/))[1]);
    await waitFor('2 ready workers', () => n.readyPids().length >= 2);
    const master = childrenOf(n.pid)[0]!;
    const workers = childrenOf(master);
    assert.equal(workers.length, 2);
    process.kill(workers[0]!, 'SIGKILL');
    await waitFor('a replacement worker', () => n.readyPids().length >= 3);
    await waitFor('no zombie among the master\'s children', () => {
      const now = childrenOf(master);
      return now.length === 2 && !now.includes(workers[0]!) && now.every((p) => stateOf(p) !== 'Z');
    });
    assert.equal((await request(`http://127.0.0.1:${port}/`)).status, 200);
    // From outside the namespace, PID 1 only gets signals it handles: Narwhal handles TERM.
    process.kill(master, 'SIGTERM');
    const exit = await n.exited;
    assert.equal(exit.code, 0, n.output);
    assert.match(n.output, /Handling signal: term/);
  } finally {
    if (!n.exit) n.proc.kill('SIGKILL');
  }
});

describe('Kubernetes manifests', () => {
  const load = (file: string) => parseAllDocuments(readFileSync(path.join(DEPLOY, 'kubernetes', file), 'utf8')).map((d) => d.toJS() as Record<string, any>);
  const [deployment] = load('deployment.yaml');
  const [service] = load('service.yaml');
  const [hpa] = load('hpa.yaml');
  const container = deployment!.spec.template.spec.containers[0];

  test('each validates against the Kubernetes schema', () => {
    new Deployment(deployment as any).validate();
    new Service(service as any).validate();
    new HorizontalPodAutoscaler(hpa as any).validate();
    // The validator does catch mistakes:
    const broken = structuredClone(deployment!);
    broken.spec.template.spec.containers[0].readinessProbe.periodSeconds = 'often';
    assert.throws(() => new Deployment(broken as any).validate(), /periodSeconds must be integer/);
  });

  test('no unknown field anywhere (a misspelt key is not ignored): type-checked against the schema types', () => {
    // The schema validator lets unknown keys through, as the API server's
    // non-strict decoding would; TypeScript's excess property check does not.
    const cacheDir = path.join(ROOT, 'node_modules/.cache');
    mkdirSync(cacheDir, { recursive: true });
    const dir = mkdtempSync(path.join(cacheDir, 'narwhal-k8s-'));
    try {
      const check = (manifests: Record<string, unknown>) => {
        const file = path.join(dir, `check-${Math.random().toString(36).slice(2)}.ts`);
        writeFileSync(
          file,
          [
            "import type { IDeployment } from 'kubernetes-models/apps/v1/Deployment';",
            "import type { IService } from 'kubernetes-models/v1/Service';",
            "import type { IHorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';",
            ...Object.entries(manifests).map(([type, m], i) => `export const m${i}: ${type} = ${JSON.stringify(m)};`),
          ].join('\n'),
        );
        const program = ts.createProgram([file], { strict: true, noEmit: true, module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, skipLibCheck: true, types: [] });
        return ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, ' '));
      };
      assert.deepEqual(check({ IDeployment: deployment, IService: service, IHorizontalPodAutoscaler: hpa }), []);
      const misspelt = structuredClone(deployment!);
      misspelt.spec.template.spec.containers[0].livenesProbe = misspelt.spec.template.spec.containers[0].livenessProbe;
      assert.match(check({ IDeployment: misspelt }).join('\n'), /livenesProbe/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('probes use the health endpoint and port Narwhal is given; WEB_CONCURRENCY comes from the CPU limit', async () => {
    // The container's literal environment too (FORWARDED_ALLOW_IPS must parse), plus what the CPU limit gives.
    const literal = Object.fromEntries(container.env.filter((e: { value?: string }) => e.value !== undefined).map((e: { name: string; value: string }) => [e.name, e.value]));
    const config = await narwhalConfig(container.args, { ...literal, WEB_CONCURRENCY: '2' });
    assert.deepEqual(config.forwardedAllowIps, literal.FORWARDED_ALLOW_IPS.split(','));
    const port = container.ports.find((p: { name: string }) => p.name === 'http');
    assert.equal(port.containerPort, portOf(config.bind[0]!));
    for (const probe of ['readinessProbe', 'livenessProbe', 'startupProbe']) {
      assert.equal(container[probe].httpGet.path, config.healthPath, probe);
      assert.equal(container[probe].httpGet.port, 'http', probe);
    }
    const web = container.env.find((e: { name: string }) => e.name === 'WEB_CONCURRENCY');
    assert.deepEqual(web.valueFrom.resourceFieldRef, { resource: 'limits.cpu', divisor: '1' });
    assert.equal(config.workers, 2, 'Narwhal takes its worker count from WEB_CONCURRENCY');
  });

  test('terminationGracePeriodSeconds covers preStop plus --graceful-timeout', async () => {
    const config = await narwhalConfig(container.args);
    const preStop = container.lifecycle.preStop.sleep.seconds as number;
    const grace = deployment!.spec.template.spec.terminationGracePeriodSeconds as number;
    assert.ok(grace >= preStop + config.gracefulTimeout + 1, `${grace} s < preStop ${preStop} s + graceful timeout ${config.gracefulTimeout} s + 1`);
    assert.ok(grace <= preStop + config.gracefulTimeout + 15, 'not so long that a stuck pod lingers');
    assert.equal(config.workerTmpDir, container.volumeMounts.find((m: { name: string }) => m.name === 'shm').mountPath);
  });

  test("nginx's upstream idle timeout is below the pods' --keep-alive and half their --graceful-timeout", async () => {
    const config = await narwhalConfig(container.args);
    const nginx = /^\s*keepalive_timeout (\d+)s;/m.exec(readFileSync(path.join(DEPLOY, 'nginx/narwhal.conf'), 'utf8'))?.[1];
    assert.ok(nginx, 'deploy/nginx/narwhal.conf sets the upstream keepalive_timeout');
    assert.ok(Number(nginx) < Math.min(config.keepalive, config.gracefulTimeout / 2), `nginx ${nginx}s vs --keep-alive ${config.keepalive}, --graceful-timeout ${config.gracefulTimeout}`);
  });

  test('the Service and the HPA point at the Deployment', () => {
    const labels = deployment!.spec.template.metadata.labels;
    assert.deepEqual(deployment!.spec.selector.matchLabels, labels);
    for (const [k, v] of Object.entries(service!.spec.selector)) assert.equal(labels[k], v);
    assert.equal(service!.spec.ports[0].targetPort, 'http');
    assert.deepEqual(hpa!.spec.scaleTargetRef, { apiVersion: 'apps/v1', kind: 'Deployment', name: deployment!.metadata.name });
    assert.ok(container.resources.limits.cpu, 'the HPA and WEB_CONCURRENCY need a CPU limit and request');
    assert.ok(container.resources.requests.cpu);
  });
});
