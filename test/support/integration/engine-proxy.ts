/**
 * The local engine as a remote one: a TCP proxy (tcp://127.0.0.1:PORT → /var/run/docker.sock) and
 * a TLS proxy that requires a client certificate, with a CA, a server certificate (for IP 127.0.0.1
 * and localhost) and a client certificate made by the openssl CLI into a temporary DOCKER_CERT_PATH
 * (ca.pem, cert.pem, key.pem), as `docker` and dockerode expect it. dockerd itself is not touched.
 * They listen on 127.0.0.1 unless given another address of this host (e.g. a docker network's
 * gateway, where containers on that network reach them; the server certificate then names it too).
 */
import { readFile, writeFile } from 'node:fs/promises';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { createServer as createTlsServer } from 'node:tls';
import { exec, freePort, tempDir } from './helpers.js';

export const ENGINE_SOCKET = '/var/run/docker.sock';

export interface EngineProxy {
  /** ADDRESS:PORT (127.0.0.1 by default): use as DOCKER_HOST=tcp://HOST or --docker-host tcp://HOST. */
  host: string;
  /** For the TLS proxy: a DOCKER_CERT_PATH holding ca.pem, cert.pem, key.pem for the client. */
  certPath?: string;
  /** How many connections were piped to the engine (a test can check it was used). */
  connections(): number;
  stop(): Promise<void>;
}

function pipeToEngine(client: Socket): void {
  const engine = connect(ENGINE_SOCKET);
  client.pipe(engine).pipe(client);
  const close = () => {
    client.destroy();
    engine.destroy();
  };
  client.on('error', close);
  engine.on('error', close);
  client.on('close', close);
  engine.on('close', close);
}

async function listen(server: Server, address: string): Promise<string> {
  const port = await freePort();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, address, () => resolve());
  });
  return `${address}:${port}`;
}

function stopper(server: Server, sockets: Set<Socket>, after: () => Promise<void> = async () => undefined) {
  return async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await after();
  };
}

export async function startTcpProxy(address = '127.0.0.1'): Promise<EngineProxy> {
  const sockets = new Set<Socket>();
  let connections = 0;
  const server = createServer((client) => {
    connections++;
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    pipeToEngine(client);
  });
  return { host: await listen(server, address), connections: () => connections, stop: stopper(server, sockets) };
}

async function openssl(cwd: string, ...args: string[]): Promise<void> {
  const result = await exec('openssl', args, { cwd });
  if (result.code !== 0) throw new Error(`openssl ${args.join(' ')} failed: ${result.stderr}`);
}

/** A CA and a certificate signed by it (server or client), as PEM files in `dir`. */
export async function makeCertificates(dir: string, serverAddresses: string[] = []): Promise<{ ca: string; serverCert: string; serverKey: string }> {
  const days = '2';
  await openssl(dir, 'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca-key.pem', '-out', 'ca.pem', '-days', days, '-subj', '/CN=tjs2i test CA');
  // Server: for 127.0.0.1, localhost and the other addresses it listens on.
  const names = ['IP:127.0.0.1', 'DNS:localhost', ...serverAddresses.filter((a) => a !== '127.0.0.1').map((a) => `IP:${a}`)];
  await writeFile(join(dir, 'server.ext'), `subjectAltName=${names.join(',')}\nextendedKeyUsage=serverAuth\n`);
  await openssl(dir, 'req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server-key.pem', '-out', 'server.csr', '-subj', '/CN=localhost');
  await openssl(
    dir,
    'x509',
    '-req',
    '-in',
    'server.csr',
    '-CA',
    'ca.pem',
    '-CAkey',
    'ca-key.pem',
    '-CAcreateserial',
    '-out',
    'server-cert.pem',
    '-days',
    days,
    '-extfile',
    'server.ext',
  );
  // Client: cert.pem and key.pem, as DOCKER_CERT_PATH names them.
  await writeFile(join(dir, 'client.ext'), 'extendedKeyUsage=clientAuth\n');
  await openssl(dir, 'req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'key.pem', '-out', 'client.csr', '-subj', '/CN=tjs2i test client');
  await openssl(
    dir,
    'x509',
    '-req',
    '-in',
    'client.csr',
    '-CA',
    'ca.pem',
    '-CAkey',
    'ca-key.pem',
    '-CAcreateserial',
    '-out',
    'cert.pem',
    '-days',
    days,
    '-extfile',
    'client.ext',
  );
  return { ca: join(dir, 'ca.pem'), serverCert: join(dir, 'server-cert.pem'), serverKey: join(dir, 'server-key.pem') };
}

export async function startTlsProxy(address = '127.0.0.1'): Promise<EngineProxy> {
  const dir = await tempDir('certs');
  try {
    const files = await makeCertificates(dir.path, [address]);
    const sockets = new Set<Socket>();
    let connections = 0;
    const server = createTlsServer(
      {
        ca: await readFile(files.ca),
        cert: await readFile(files.serverCert),
        key: await readFile(files.serverKey),
        requestCert: true,
        rejectUnauthorized: true,
      },
      (client) => {
        connections++;
        sockets.add(client);
        client.on('close', () => sockets.delete(client));
        pipeToEngine(client);
      },
    );
    // A refused handshake (wrong CA on the client, no client certificate) is the test's point.
    server.on('tlsClientError', () => undefined);
    return { host: await listen(server, address), certPath: dir.path, connections: () => connections, stop: stopper(server, sockets, dir.remove) };
  } catch (error) {
    await dir.remove();
    throw error;
  }
}
