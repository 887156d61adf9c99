// The management API, called with the bearer token kept in sessionStorage.

const TOKEN_KEY = "waymark.token";

/** A refused request: the status and the API's `{field, reason}` list. */
export class ApiError extends Error {
  constructor(status, errors) {
    super(errors.map((e) => e.reason).join("; ") || `HTTP ${status}`);
    this.status = status;
    this.errors = errors;
  }
}

export const token = {
  get: () => sessionStorage.getItem(TOKEN_KEY),
  set: (value) => sessionStorage.setItem(TOKEN_KEY, value),
  clear: () => sessionStorage.removeItem(TOKEN_KEY),
};

/** Call the API; resolves to the parsed body (null for 204), rejects with ApiError. */
export async function call(method, path, body, bearer = token.get()) {
  const headers = { Authorization: `Bearer ${bearer ?? ""}` };
  const init = { method, headers };
  if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    init.body = typeof body === "string" ? body : JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(path, init);
  } catch (cause) {
    throw new ApiError(0, [{ field: null, reason: `the API did not answer: ${cause.message}` }]);
  }
  if (response.status === 204) return null;
  const parsed = await response.json().catch(() => null);
  if (!response.ok) {
    const errors = parsed && Array.isArray(parsed.errors)
      ? parsed.errors
      : [{ field: null, reason: `HTTP ${response.status}` }];
    throw new ApiError(response.status, errors);
  }
  return parsed;
}

/** One line per error: "field: reason", or the reason alone. */
export function describe(error) {
  if (!(error instanceof ApiError)) return String(error);
  return error.errors.map((e) => (e.field ? `${e.field}: ${e.reason}` : e.reason)).join("\n");
}
