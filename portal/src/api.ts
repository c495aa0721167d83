/**
 * The gateway's REST API as the portal uses it: same origin, so no CORS.
 * Reads send the bearer token the user typed (reads need a member or auditor
 * token, docs/protocol.md §10.1); statements by patients and recipients are
 * relayed without one. Every failure is an ApiError with the problem's code.
 */
export class ApiError extends Error {
  readonly code: string;
  readonly status: number;
  constructor(code: string, status: number, message: string) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
    this.status = status;
  }
}

export interface PortalConfig {
  readonly org: string;
  readonly audience: string;
}

export interface WriteResult {
  readonly transactionId: string;
  readonly blockNumber: string;
  readonly alreadyApplied: boolean;
}

interface Problem {
  readonly code?: string;
  readonly detail?: string;
  readonly title?: string;
}

export class GatewayApi {
  #token = '';
  #minBlock: string | undefined;

  set token(value: string) {
    this.#token = value.trim();
  }

  get hasToken(): boolean {
    return this.#token !== '';
  }

  async #fetch(path: string, init: RequestInit): Promise<unknown> {
    let res: Response;
    try {
      res = await fetch(path, init);
    } catch {
      throw new ApiError('GATEWAY_UNREACHABLE', 0, 'The gateway does not answer. Check that it is running, then try again.');
    }
    const text = await res.text();
    const body: unknown = text === '' ? undefined : JSON.parse(text);
    if (!res.ok) {
      const p = (body ?? {}) as Problem;
      throw new ApiError(p.code ?? 'HTTP_' + String(res.status), res.status, p.detail ?? p.title ?? res.statusText);
    }
    return body;
  }

  /** A read, at least as new as this tab's last write (minBlock). */
  async get<T>(path: string, query: Record<string, string> = {}): Promise<T> {
    const params = new URLSearchParams(query);
    if (this.#minBlock !== undefined) params.set('minBlock', this.#minBlock);
    const qs = params.toString();
    const headers: Record<string, string> = this.#token ? { authorization: `Bearer ${this.#token}` } : {};
    return (await this.#fetch(`/api/v1/${path}${qs ? `?${qs}` : ''}`, { headers })) as T;
  }

  /** Relays a signed statement (no token: the signature carries the authority). */
  async relay(resource: 'grants' | 'revocations' | 'requests' | 'denials' | 'rotations', statement: string): Promise<WriteResult> {
    const result = (await this.#fetch(`/api/v1/${resource}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ statement }),
    })) as WriteResult;
    this.#minBlock = result.blockNumber;
    return result;
  }

  async config(): Promise<PortalConfig> {
    return (await this.#fetch('/portal/config.json', {})) as PortalConfig;
  }
}
