import http from 'node:http';

export interface HttpResponse {
  status: number;
  body: Buffer;
}

export interface GraphQLResult<T> {
  data?: T;
  errors?: { message: string; extensions?: Record<string, unknown> }[];
}

/**
 * A small HTTP/1.1 client over a fixed number of keep-alive connections, so a
 * load test controls exactly how many sockets it opens. Loopback only: the
 * benchmarks never send a request elsewhere.
 */
export class HttpClient {
  private readonly agent: http.Agent;

  constructor(
    private readonly baseUrl: string,
    connections: number,
  ) {
    this.agent = new http.Agent({ keepAlive: true, maxSockets: connections, maxFreeSockets: connections });
  }

  /** Sends one request; `target` is a path under the base URL or an absolute loopback URL. */
  request(method: string, target: string, headers: Record<string, string>, body?: Buffer | string): Promise<HttpResponse> {
    const url = new URL(target, this.baseUrl);
    if (!['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname)) {
      return Promise.reject(new Error(`The benchmarks send requests to loopback only, not to ${url.hostname}.`));
    }
    return this.send(url, method, headers, body, true);
  }

  /**
   * Sends one request, and sends it once more on a new connection when the
   * server closed the idle keep-alive connection it went out on, because such
   * a request never reached the server.
   */
  private send(url: URL, method: string, headers: Record<string, string>, body: Buffer | string | undefined, resend: boolean): Promise<HttpResponse> {
    return new Promise((resolve, reject) => {
      const request = http.request(url, { method, headers, agent: this.agent }, (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.once('end', () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks) }));
        response.once('error', reject);
      });
      request.once('error', (error: NodeJS.ErrnoException) => {
        const closedByServer = request.reusedSocket && (error.code === 'ECONNRESET' || error.code === 'EPIPE');
        if (resend && closedByServer) resolve(this.send(url, method, headers, body, false));
        else reject(error);
      });
      request.end(body);
    });
  }

  async gql<T = Record<string, any>>(query: string, variables: Record<string, unknown> = {}, token?: string): Promise<GraphQLResult<T>> {
    const body = JSON.stringify({ query, variables });
    const headers: Record<string, string> = { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) };
    if (token) headers.authorization = `Bearer ${token}`;
    const response = await this.request('POST', '/graphql', headers, body);
    return JSON.parse(response.body.toString('utf8')) as GraphQLResult<T>;
  }

  destroy(): void {
    this.agent.destroy();
  }
}

/** Returns `result.data`, or throws with the GraphQL errors. */
export function dataOf<T>(result: GraphQLResult<T>, operation: string): T {
  if (!result.data || result.errors) throw new Error(`${operation} failed: ${JSON.stringify(result.errors ?? result)}`);
  return result.data;
}
