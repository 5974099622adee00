/**
 * A TCP proxy between a client and the Firestore emulator that can cut the network the way a
 * production outage does: `cut()` turns it into a black hole (connections stay open, nothing is
 * answered, new connections are accepted and never answered — the client's calls hang instead of
 * failing), `reset()` resets every connection (ECONNRESET, the client reconnects), `refuse()`
 * resets every connection and each new one (a backend crashing), `heal()` drops
 * the black-holed connections and forwards again. Raw bytes, so gRPC and REST both go through it.
 */
import { connect, createServer, type Server, type Socket } from 'node:net';

export interface BlackHoleProxy {
  /** `127.0.0.1:port`, for FIRESTORE_EMULATOR_HOST. */
  readonly host: string;
  /** Connections accepted so far (a client that reconnects makes new ones). */
  readonly accepted: number;
  /** Accept and never answer; what was in flight is swallowed. */
  cut(): void;
  /** Reset every open connection (RST); forwarding goes on for new ones unless cut or refusing. */
  reset(): void;
  /** A backend that crashes on every connection: reset the open ones and each new one at once. */
  refuse(): void;
  /** End the cut: reset the black-holed connections (their streams are broken) and forward again. */
  heal(): void;
  close(): Promise<void>;
}

interface Pair {
  client: Socket;
  upstream: Socket | undefined;
  /** Black-holed: bytes in either direction are dropped. */
  held: boolean;
}

/**
 * @example const proxy = await startBlackHoleProxy(process.env.FIRESTORE_EMULATOR_HOST!); proxy.cut();
 */
export async function startBlackHoleProxy(target: string): Promise<BlackHoleProxy> {
  const [targetHost = '127.0.0.1', targetPort = '0'] = splitHost(target);
  const pairs = new Set<Pair>();
  let blackHole = false;
  let refusing = false;
  let accepted = 0;

  const server: Server = createServer((client) => {
    accepted++;
    if (refusing) {
      client.on('error', () => {});
      client.resetAndDestroy();
      return;
    }
    const pair: Pair = { client, upstream: undefined, held: blackHole };
    pairs.add(pair);
    const drop = () => {
      pairs.delete(pair);
      client.destroy();
      pair.upstream?.destroy();
    };
    client.on('error', drop);
    client.on('close', drop);
    client.on('data', (chunk) => {
      if (!pair.held) pair.upstream?.write(chunk);
    });
    if (pair.held) return; // accepted, never connected, never answered
    const upstream = connect(Number(targetPort), targetHost);
    pair.upstream = upstream;
    client.pause();
    upstream.on('connect', () => client.resume());
    upstream.on('data', (chunk) => {
      if (!pair.held) client.write(chunk);
    });
    upstream.on('error', drop);
    upstream.on('close', drop);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;

  const resetAll = (which: (p: Pair) => boolean) => {
    for (const pair of [...pairs]) {
      if (!which(pair)) continue;
      pairs.delete(pair);
      pair.client.resetAndDestroy();
      pair.upstream?.destroy();
    }
  };

  return {
    host: `127.0.0.1:${port}`,
    get accepted() {
      return accepted;
    },
    cut() {
      blackHole = true;
      for (const pair of pairs) pair.held = true;
    },
    reset() {
      resetAll(() => true);
    },
    refuse() {
      refusing = true;
      resetAll(() => true);
    },
    heal() {
      blackHole = false;
      refusing = false;
      resetAll((p) => p.held);
    },
    close: async () => {
      resetAll(() => true);
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function splitHost(host: string): [string, string] {
  const i = host.lastIndexOf(':');
  return [host.slice(0, i).replace(/^\[|\]$/g, '') || '127.0.0.1', host.slice(i + 1)];
}
