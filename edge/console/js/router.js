// Hash routes (#/users/42?page=2): the server serves one page, and a route is bookmarkable
// without the edge knowing any of them.

const routes = [];
let renderRoute = null;
let lastPath = null;

export function route(pattern, view) {
  const names = [];
  const source = pattern.replace(/:(\w+)/g, (_, name) => { names.push(name); return '([^/]+)'; });
  routes.push({ regex: new RegExp(`^${source}$`), names, view });
}

// An in-page anchor (the skip link's #main) is not a route: the last route still holds.
let lastRoute = { path: '/', query: {} };

export function currentLocation() {
  if (location.hash && !location.hash.startsWith('#/')) return lastRoute;
  const [path, search = ''] = location.hash.slice(1).split('?');
  lastRoute = { path: path || '/', query: Object.fromEntries(new URLSearchParams(search)) };
  return lastRoute;
}

export function resolve(path) {
  for (const { regex, names, view } of routes) {
    const match = regex.exec(path);
    if (match) return { view, params: Object.fromEntries(names.map((name, i) => [name, decodeURIComponent(match[i + 1])])) };
  }
  return null;
}

export function href(path, query = {}) {
  const search = new URLSearchParams(Object.entries(query).filter(([, value]) => value !== '' && value != null)).toString();
  return `#${path}${search ? `?${search}` : ''}`;
}

export function navigate(path, query = {}) {
  location.hash = href(path, query);
}

// A view that changes only its own query (filters, page) records it without re-rendering.
export function recordQuery(path, query) {
  history.pushState(null, '', href(path, query));
}

export function startRouter(render) {
  renderRoute = render;
  window.addEventListener('hashchange', () => {
    if (location.hash.startsWith('#/') || location.hash === '') rerender();
  });
  rerender();
}

export function rerender() {
  const here = currentLocation();
  const pathChanged = here.path !== lastPath;
  lastPath = here.path;
  renderRoute(here, { pathChanged });
}
