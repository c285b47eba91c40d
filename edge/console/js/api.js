// One HTTP call to the public REST API: JSON in and out, every failure turned into an
// ApiError carrying the API's own message and request id, and a count of calls in flight.

export class ApiError extends Error {
  constructor({ status, code, message, details = [], requestId = null, retryAfter = null }) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details;
    this.requestId = requestId;
    this.retryAfter = retryAfter;
  }
}

let inFlight = 0;
const activityListeners = new Set();

export function onActivity(listener) {
  activityListeners.add(listener);
}

function setInFlight(change) {
  inFlight += change;
  for (const listener of activityListeners) listener(inFlight);
}

export function queryString(query = {}) {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    if (value !== undefined && value !== null && value !== '') params.set(name, String(value));
  }
  const text = params.toString();
  return text ? `?${text}` : '';
}

// Cookies stay out (credentials 'omit'), but for the one call that must show the
// browser's sign-in binding cookie (linking an identity, link_flow.js).
export async function call(method, path, { body, query, bearer, ifMatch, headers = {}, credentials = 'omit' } = {}) {
  const sent = { Accept: 'application/json', ...headers };
  if (body !== undefined) sent['Content-Type'] = 'application/json';
  if (bearer) sent.Authorization = `Bearer ${bearer}`;
  if (ifMatch) sent['If-Match'] = ifMatch;
  let response;
  setInFlight(+1);
  try {
    response = await fetch(path + queryString(query), {
      method, headers: sent, body: body === undefined ? undefined : JSON.stringify(body),
      cache: 'no-store', credentials, redirect: 'error',
    });
  } catch {
    throw new ApiError({ status: 0, code: 'NETWORK_ERROR', message: 'The service could not be reached.' });
  } finally {
    setInFlight(-1);
  }
  const requestId = response.headers.get('X-Request-ID');
  const isJson = (response.headers.get('Content-Type') || '').includes('json');
  const payload = response.status === 204 || !isJson ? null : await response.json().catch(() => null);
  if (!response.ok) {
    const error = (payload && payload.error) || {};
    throw new ApiError({
      status: response.status,
      code: error.code || `HTTP_${response.status}`,
      message: error.message || response.statusText || 'The request failed.',
      details: error.details || [],
      requestId: error.request_id || requestId,
      retryAfter: response.headers.get('Retry-After'),
    });
  }
  return { data: payload, etag: response.headers.get('ETag'), status: response.status, requestId };
}
