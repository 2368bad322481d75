import assert from 'node:assert/strict';
import { once } from 'node:events';
import net, { type AddressInfo, type Socket } from 'node:net';
import { describe, it } from 'node:test';
import { readFromHandle, writeToHandle } from '../../../src/http/handle-io.js';

/** A server on port 0 whose one connection is handed to `onSocket`; returns the client socket. */
async function pair(onSocket: (socket: Socket) => void): Promise<{ client: Socket; close: () => Promise<void> }> {
  const accepted: Socket[] = [];
  const server = net.createServer({ allowHalfOpen: true }, (socket) => {
    accepted.push(socket);
    onSocket(socket);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const client = net.connect((server.address() as AddressInfo).port, '127.0.0.1');
  await once(client, 'connect');
  return {
    client,
    close: async () => {
      client.destroy();
      // Half-open server sides would keep server.close() waiting.
      for (const socket of accepted) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function pattern(size: number, seed: number): Buffer {
  const buf = Buffer.allocUnsafe(size);
  for (let i = 0; i < size; i++) buf[i] = (i * 31 + seed) & 0xff;
  return buf;
}

describe('readFromHandle', () => {
  it('delivers every byte in order, nothing while paused, then the end', async () => {
    const sent = pattern(3 * 1024 * 1024, 7);
    const got: Buffer[] = [];
    let pausedDeliveries = 0;
    let paused = false;
    let ended!: Promise<unknown>;
    const { client, close } = await pair((socket) => {
      readFromHandle(socket, (chunk) => {
        if (paused) pausedDeliveries++;
        got.push(chunk);
        // Pause on the first chunk long enough for reads to pile up behind it in the socket.
        if (got.length === 1) {
          paused = true;
          socket.pause();
          setTimeout(() => {
            paused = false;
            socket.resume();
          }, 100);
        }
      });
      ended = new Promise((resolve) => socket.on('end', resolve));
    });
    try {
      for (let i = 0; i < sent.length; i += 64 * 1024) client.write(sent.subarray(i, i + 64 * 1024));
      client.end();
      await ended;
      assert.equal(pausedDeliveries, 0);
      assert.ok(got.length > 1);
      assert.ok(Buffer.concat(got).equals(sent), 'bytes arrive whole and in order');
    } finally {
      await close();
    }
  });
});

describe('writeToHandle', () => {
  it('keeps order with socket writes queued behind a write the kernel could not take at once, and end() waits for both', async () => {
    const big = pattern(8 * 1024 * 1024, 3);
    const { client, close } = await pair((socket) => {
      writeToHandle(socket, big);
      // The client is not reading yet, so the first write is still queued in the handle.
      writeToHandle(socket, 'after the big one|');
      socket.write('through the socket|');
      writeToHandle(socket, 'last');
      socket.end();
    });
    try {
      const chunks: Buffer[] = [];
      // Read only after a while, so the server's writes back up.
      await new Promise((resolve) => setTimeout(resolve, 100));
      client.on('data', (c: Buffer) => chunks.push(c));
      await once(client, 'end');
      const all = Buffer.concat(chunks);
      assert.equal(all.length, big.length + 'after the big one|through the socket|last'.length);
      assert.ok(all.subarray(0, big.length).equals(big));
      assert.equal(all.subarray(big.length).toString(), 'after the big one|through the socket|last');
    } finally {
      await close();
    }
  });

  it('a write the kernel refuses (the client reset the connection) destroys the socket', async () => {
    let serverSide!: Socket;
    const { client, close } = await pair((socket) => {
      serverSide = socket;
      // Not reading: only the writes can find out that the client is gone.
      socket.pause();
      socket.on('error', () => {});
    });
    try {
      client.resetAndDestroy();
      const deadline = Date.now() + 5000;
      while (!serverSide.destroyed && Date.now() < deadline) {
        writeToHandle(serverSide, 'x'.repeat(1024));
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      assert.equal(serverSide.destroyed, true);
    } finally {
      await close();
    }
  });
});
