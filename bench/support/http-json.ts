import http from 'node:http';

export interface JsonResponse<T = unknown> {
  readonly status: number;
  readonly body: T;
}

/**
 * A minimal keep-alive JSON client over node:http: no dependency, and nothing
 * between the bench and the socket that could be mistaken for service time.
 */
export class HttpJson {
  private readonly agent: http.Agent;

  constructor(
    readonly baseUrl: string,
    maxSockets = 16,
  ) {
    this.agent = new http.Agent({ keepAlive: true, maxSockets });
  }

  get<T = unknown>(path: string, key?: string): Promise<JsonResponse<T>> {
    return this.request<T>('GET', path, key);
  }

  post<T = unknown>(path: string, key: string | undefined, body: Buffer | object): Promise<JsonResponse<T>> {
    return this.request<T>('POST', path, key, Buffer.isBuffer(body) ? body : Buffer.from(JSON.stringify(body)));
  }

  request<T>(method: string, path: string, key?: string, body?: Buffer): Promise<JsonResponse<T>> {
    const url = new URL(path, this.baseUrl);
    const headers: http.OutgoingHttpHeaders = { accept: 'application/json' };
    if (key) headers['x-api-key'] = key;
    if (body) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = body.length;
    }
    return new Promise((resolve, reject) => {
      const req = http.request(url, { method, headers, agent: this.agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: unknown = text;
          try {
            parsed = text ? JSON.parse(text) : null;
          } catch {
            // Not JSON (an HTML 404 from a proxy, say): keep the text.
          }
          resolve({ status: res.statusCode ?? 0, body: parsed as T });
        });
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}
