import { createConnection } from 'node:net';
import { existsSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { type RedisServer, startRedis } from './redis-server.ts';

/** One RESP command over a fresh socket: the harness is tested without any Redis client library. */
function command(port: number, ...args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    let answer = '';
    socket.once('error', reject);
    socket.once('connect', () => socket.write(`*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`));
    socket.on('data', (chunk) => {
      answer += chunk.toString();
      if (answer.endsWith('\r\n') && !/^\$\d+\r\n$/.test(answer)) {
        socket.destroy();
        resolve(answer);
      }
    });
  });
}

const started: RedisServer[] = [];
afterEach(async () => {
  for (const server of started.splice(0)) await server.stop();
});

async function start(): Promise<RedisServer> {
  const server = await startRedis();
  started.push(server);
  return server;
}

describe('startRedis', () => {
  it('runs redis-server on its own port with AOF fsynced on every write', async () => {
    const [a, b] = await Promise.all([start(), start()]);
    expect(a.port).not.toBe(b.port);
    expect(a.url).toBe(`redis://127.0.0.1:${a.port}`);
    expect(await command(a.port, 'PING')).toBe('+PONG\r\n');
    expect(await command(a.port, 'CONFIG', 'GET', 'appendfsync')).toContain('always');
    expect(await command(a.port, 'CONFIG', 'GET', 'appendonly')).toContain('yes');
  });

  it('keeps its data across a SIGKILL and a restart on the same port, and loses it when restarted empty', async () => {
    const server = await start();
    await command(server.port, 'SET', 'k', 'kept');
    await server.kill('SIGKILL');
    await expect(command(server.port, 'PING')).rejects.toThrow();
    await server.restart();
    expect(await command(server.port, 'GET', 'k')).toBe('$4\r\nkept\r\n');
    await server.restart({ empty: true });
    expect(await command(server.port, 'GET', 'k')).toBe('$-1\r\n');
  });

  it('get answers a key\'s string, null when it is absent or the server is down', async () => {
    const server = await start();
    await command(server.port, 'SET', 'lease', 'holder:7 ünïcode');
    expect(await server.get('lease')).toBe('holder:7 ünïcode');
    expect(await server.get('absent')).toBeNull();
    await server.kill('SIGKILL');
    expect(await server.get('lease')).toBeNull();
  });

  it('stop ends the process and removes its data directory', async () => {
    const server = await startRedis();
    await server.stop();
    expect(existsSync(server.dir)).toBe(false);
    await expect(command(server.port, 'PING')).rejects.toThrow();
  });
});
