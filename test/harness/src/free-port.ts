import { createServer } from 'node:net';

/**
 * Asks the OS for a free TCP port on `host` (listen on port 0, read it, close).
 * Another process may take it before we bind it again: callers retry on EADDRINUSE.
 */
export function findFreePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ port: 0, host, exclusive: true }, () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : undefined;
      server.close(() =>
        port ? resolve(port) : reject(new Error('could not read the port of a probe socket')),
      );
    });
  });
}
