import http from 'node:http';

export interface JsonResponse<T = unknown> {
  readonly status: number;
  readonly body: T;
}

/**
 * A minimal keep-alive JSON (and bytes) client over node:http: no dependency, and nothing
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

  async request<T>(method: string, path: string, key?: string, body?: Buffer): Promise<JsonResponse<T>> {
    const res = await this.send(method, path, key, body && { bytes: body, contentType: 'application/json' }, 'application/json');
    const text = res.body.toString('utf8');
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      // Not JSON (an HTML 404 from a proxy, say): keep the text.
    }
    return { status: res.status, body: parsed as T };
  }

  /** A body of any content type (OTLP/protobuf), answered as bytes. */
  postBytes(path: string, key: string | undefined, body: Buffer, contentType: string): Promise<JsonResponse<Buffer>> {
    return this.send('POST', path, key, { bytes: body, contentType }, contentType);
  }

  private send(method: string, path: string, key: string | undefined, body: { bytes: Buffer; contentType: string } | undefined, accept: string): Promise<JsonResponse<Buffer>> {
    const url = new URL(path, this.baseUrl);
    const headers: http.OutgoingHttpHeaders = { accept };
    if (key) headers['x-api-key'] = key;
    if (body) {
      headers['content-type'] = body.contentType;
      headers['content-length'] = body.bytes.length;
    }
    return new Promise((resolve, reject) => {
      const req = http.request(url, { method, headers, agent: this.agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(body?.bytes);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}
