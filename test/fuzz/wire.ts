import http from 'node:http';

/** One request as the generator writes it: the path is sent exactly as given (already encoded). */
export interface WireRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: Record<string, string | string[]>;
  readonly body?: Buffer;
}

export type WireAnswer =
  | {
      readonly kind: 'answer';
      readonly status: number;
      readonly headers: http.IncomingHttpHeaders;
      readonly body: Buffer;
      readonly ms: number;
    }
  /** The request could not be sent (the client refused it: e.g. a header value it won't write). */
  | { readonly kind: 'unsent'; readonly error: string }
  /** Sent, but no answer: reset, closed or timed out. */
  | { readonly kind: 'no-answer'; readonly error: string; readonly ms: number };

/** Sends requests to one server over a few kept-alive connections, with node:http. */
export class Wire {
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
  constructor(
    private readonly port: number,
    private readonly timeoutMs = 15_000,
  ) {}

  /**
   * Sends one request. A reset on a kept-alive connection the server had already
   * closed (it does after some errors) is retried once on a new connection, as Node's
   * documentation advises: that is the client's race, not the server's answer.
   */
  async send(r: WireRequest): Promise<WireAnswer> {
    const a = await this.once(r, this.agent);
    if (a.kind === 'no-answer' && a.reused) return this.once(r, false);
    return a;
  }

  private once(r: WireRequest, agent: http.Agent | false): Promise<WireAnswer & { reused?: boolean }> {
    const started = performance.now();
    return new Promise((resolve) => {
      let req: http.ClientRequest;
      try {
        req = http.request({
          host: '127.0.0.1',
          port: this.port,
          method: r.method,
          path: r.path,
          headers: { ...r.headers, ...(r.body ? { 'content-length': String(r.body.length) } : {}) },
          agent,
          timeout: this.timeoutMs,
          // Lets the client write what a hostile one would; the server must cope.
          insecureHTTPParser: true,
        });
      } catch (e) {
        resolve({ kind: 'unsent', error: (e as Error).message });
        return;
      }
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            kind: 'answer',
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks),
            ms: performance.now() - started,
          }),
        );
        res.on('error', (e) => resolve({ kind: 'no-answer', error: e.message, ms: performance.now() - started }));
      });
      req.on('timeout', () => req.destroy(new Error(`no answer within ${this.timeoutMs} ms`)));
      req.on('error', (e) =>
        resolve({
          kind: 'no-answer',
          error: `${(e as NodeJS.ErrnoException).code ?? ''} ${e.message}`.trim(),
          ms: performance.now() - started,
          reused: req.reusedSocket && (e as NodeJS.ErrnoException).code === 'ECONNRESET',
        }),
      );
      req.end(r.body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}
