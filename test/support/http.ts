/**
 * A small REST client over fetch that keeps status and parsed body together.
 */
export interface Reply<T = any> {
  status: number;
  body: T;
  text: string;
  headers: Headers;
}

export interface RequestOptions {
  token?: string | null;
  body?: unknown;
  /** Send the body as-is with this content type (form bodies, malformed JSON). */
  raw?: { contentType: string; data: string };
  headers?: Record<string, string>;
}

export async function request<T = any>(base: string, method: string, path: string, options: RequestOptions = {}): Promise<Reply<T>> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers['api_access_token'] = options.token;
  let body: string | undefined;
  if (options.raw) {
    headers['content-type'] = options.raw.contentType;
    body = options.raw.data;
  } else if (options.body !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(options.body);
  }
  const response = await fetch(new URL(path, base), { method, headers, body });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    /* not JSON: keep the text */
  }
  return { status: response.status, body: parsed as T, text, headers: response.headers };
}

/** A client bound to one server and one token. */
export function client(base: string, token: string | null) {
  return {
    get: <T = any>(path: string, options: RequestOptions = {}) => request<T>(base, 'GET', path, { token, ...options }),
    post: <T = any>(path: string, body?: unknown, options: RequestOptions = {}) =>
      request<T>(base, 'POST', path, { token, body, ...options }),
    patch: <T = any>(path: string, body?: unknown, options: RequestOptions = {}) =>
      request<T>(base, 'PATCH', path, { token, body, ...options }),
    delete: <T = any>(path: string, options: RequestOptions = {}) => request<T>(base, 'DELETE', path, { token, ...options }),
  };
}
