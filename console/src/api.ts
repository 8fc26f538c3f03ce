// The admin API, same origin: the local stack serves both, and CloudFront routes /admin/* to
// the HTTP API, so no CORS and no token leaves for another origin.

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly code: string,
    readonly field: string | null,
  ) {
    super(message);
  }
}

export type Query = Record<string, string | number | null | undefined>;

export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

export class Api {
  constructor(
    private readonly token: string,
    private readonly onUnauthorized: () => void,
    private readonly fetcher: typeof fetch = (...args) => fetch(...args),
  ) {}

  async request<T>(method: string, path: string, query: Query = {}, body?: unknown): Promise<T> {
    const { text } = await this.send(method, path, query, body);
    return (text ? JSON.parse(text) : null) as T;
  }

  /** A text answer (a CSV export) with its headers. */
  async text(path: string, query: Query = {}): Promise<{ text: string; headers: Headers }> {
    return this.send("GET", path, query);
  }

  private async send(method: string, path: string, query: Query, body?: unknown): Promise<{ text: string; headers: Headers }> {
    const search = new URLSearchParams();
    for (const [name, value] of Object.entries(query)) {
      if (value !== null && value !== undefined && value !== "") search.set(name, String(value));
    }
    const url = search.size ? `${path}?${search.toString()}` : path;
    const headers: Record<string, string> = { Authorization: `Bearer ${this.token}` };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    const answer = await this.fetcher(url, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await answer.text();
    if (answer.status === 401) this.onUnauthorized();
    if (!answer.ok) {
      let error: { code?: string; message?: string; field?: string } | undefined;
      try {
        error = (JSON.parse(text) as { error?: typeof error }).error;
      } catch {
        error = undefined;
      }
      throw new ApiError(answer.status, error?.message ?? answer.statusText, error?.code ?? "error", error?.field ?? null);
    }
    return { text, headers: answer.headers };
  }

  get<T>(path: string, query: Query = {}): Promise<T> {
    return this.request<T>("GET", path, query);
  }

  post<T>(path: string, body: unknown, query: Query = {}): Promise<T> {
    return this.request<T>("POST", path, query, body);
  }

  patch<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>("PATCH", path, {}, body);
  }

  /** Every item of a list, following next_cursor (at most `max`). */
  async all<T>(path: string, query: Query = {}, max = 2000): Promise<T[]> {
    const found: T[] = [];
    let cursor: string | null = null;
    do {
      const page: Page<T> = await this.get<Page<T>>(path, { ...query, cursor });
      found.push(...page.items);
      cursor = page.next_cursor;
    } while (cursor && found.length < max);
    return found.slice(0, max);
  }
}
