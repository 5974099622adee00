/**
 * `firestep console`: the web console against a project's Firestore (application-default
 * credentials) or an emulator, read-only unless `allowActions`. Actions open the same writer store
 * as `firestep cancel|redrive` and call the same functions.
 */
import { createServer, type Server } from 'node:http';
import { cancelExecution, redriveExecution } from '../runtime/local/actions.ts';
import { openProjectStore } from '../runtime/local/project.ts';
import { openWriterStore, type WriterStore } from '../runtime/local/writer.ts';
import { createConsoleHandler } from './server.ts';
import { storeSource } from './source.ts';

export interface ConsoleServerOptions {
  projectId: string;
  /** `host:port` of a Firestore emulator. */
  emulator?: string;
  port?: number;
  allowActions?: boolean;
}

export interface ConsoleServer {
  url: string;
  close(): Promise<void>;
}

/**
 * @example const server = await startConsoleServer({ projectId: 'my-proj', port: 8081 }); console.log(server.url);
 */
export async function startConsoleServer(opts: ConsoleServerOptions): Promise<ConsoleServer> {
  if (opts.emulator) process.env.FIRESTORE_EMULATOR_HOST = opts.emulator;
  const project = await openProjectStore({ project: opts.projectId });
  let writer: Promise<WriterStore> | undefined;
  const writerStore = () => {
    writer ??= openWriterStore({ project: opts.projectId }, { needsLaunch: false });
    return writer;
  };
  const where = `project ${project.projectId}`;
  const handler = createConsoleHandler({
    source: storeSource({
      store: project.store,
      db: project.db,
      where,
      projectId: project.projectId,
      emulator: project.emulator !== undefined,
    }),
    mode: project.emulator ? 'local' : 'project',
    ...(opts.allowActions
      ? {
          actions: {
            cancel: async (id: string, reason?: string) =>
              cancelExecution((await writerStore()).store, id, {
                ...(reason === undefined ? {} : { reason }),
                source: { kind: 'api', id: 'console' },
                where,
              }),
            redrive: async (id: string) =>
              redriveExecution((await writerStore()).store, id, {
                source: { kind: 'api', id: 'console' },
                where,
              }),
          },
        }
      : {}),
  });
  const server: Server = createServer((req, res) =>
    handler.handle(req, res, new URL(req.url ?? '/', 'http://local')),
  );
  const port = await new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 8081, '127.0.0.1', () => {
      const addr = server.address();
      resolve(typeof addr === 'object' && addr ? addr.port : 0);
    });
  });
  return {
    url: `http://127.0.0.1:${port}/`,
    close: async () => {
      await handler.close();
      server.closeAllConnections();
      await new Promise((r) => server.close(() => r(undefined)));
      if (writer) await (await writer).close();
      await project.close();
    },
  };
}
