/**
 * A TCP proxy on 127.0.0.1:0 in front of a real server, to take a peer away
 * from a running gateway: `cut()` resets every connection and refuses new
 * ones; `blackhole()` keeps connections open but drops every byte (a peer
 * that stopped answering); `restore()` forwards again.
 */
import { connect, createServer, type Server, type Socket } from 'node:net';

export type ProxyMode = 'pass' | 'cut' | 'blackhole';

export class TcpProxy {
  mode: ProxyMode = 'pass';
  port = 0;
  private readonly sockets = new Set<Socket>();
  private readonly server: Server;

  private constructor(targetPort: number, targetHost: string) {
    this.server = createServer((client) => {
      if (this.mode === 'cut') {
        client.destroy();
        return;
      }
      const upstream = connect(targetPort, targetHost);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('error', () => undefined);
        s.on('close', () => {
          this.sockets.delete(s);
          client.destroy();
          upstream.destroy();
        });
      }
      client.on('data', (chunk) => this.mode === 'pass' && upstream.write(chunk));
      upstream.on('data', (chunk) => this.mode === 'pass' && client.write(chunk));
    });
  }

  static async start(targetPort: number, targetHost = '127.0.0.1'): Promise<TcpProxy> {
    const proxy = new TcpProxy(targetPort, targetHost);
    await new Promise<void>((resolve) => proxy.server.listen(0, '127.0.0.1', resolve));
    proxy.port = (proxy.server.address() as { port: number }).port;
    return proxy;
  }

  cut(): void {
    this.mode = 'cut';
    for (const s of this.sockets) s.destroy();
  }

  blackhole(): void {
    this.mode = 'blackhole';
  }

  restore(): void {
    this.mode = 'pass';
  }

  async stop(): Promise<void> {
    this.cut();
    await new Promise((resolve) => this.server.close(resolve));
  }
}
