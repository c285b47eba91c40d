// The console's composition root: the shell (navigation, who is signed in, activity), the
// routes, and what to show when nobody is signed in.
import { onActivity } from './api.js';
import { h } from './dom.js';
import { finishLinkInPopup } from './link_flow.js';
import { isAdmin, isStaff } from './permissions.js';
import { currentLocation, navigate, resolve, route, startRouter } from './router.js';
import { currentUser, onSessionChange, signOut, takeEndReason } from './session.js';
import { accountView } from './views/account.js';
import { auditView } from './views/audit.js';
import { dashboardView } from './views/dashboard.js';
import { providersView } from './views/providers.js';
import { clientsView } from './views/clients.js';
import { signInView } from './views/sign_in.js';
import { userView } from './views/user.js';
import { usersView } from './views/users.js';

route('/users', usersView);
route('/users/:id', userView);
route('/audit', auditView);
route('/dashboard', dashboardView);
route('/clients', clientsView);
route('/account', accountView);
route('/providers', providersView);

const homePath = (me) => (isStaff(me) ? '/users' : '/account');
// The screens each role is offered: a plain user has My account alone (the API would refuse
// the rest anyway), a moderator no clients or audit log.
function offered(me, path) {
  if (path === '/account') return true;
  if (['/audit', '/clients', '/dashboard', '/providers'].some((p) => path.startsWith(p))) return isAdmin(me);
  return isStaff(me);
}

function renderShell(me, path) {
  const nav = document.getElementById('nav');
  const whoami = document.getElementById('whoami');
  nav.hidden = !me;
  whoami.hidden = !me;
  if (!me) {
    nav.replaceChildren();
    whoami.replaceChildren();
    return;
  }
  const links = [
    isAdmin(me) && ['/dashboard', 'Dashboard'],
    isStaff(me) && ['/users', 'Users'],
    isAdmin(me) && ['/clients', 'Clients'],
    isAdmin(me) && ['/audit', 'Audit log'],
    isAdmin(me) && ['/providers', 'Sign-in providers'],
    ['/account', 'My account'],
  ].filter(Boolean);
  nav.replaceChildren(h('ul', {}, links.map(([target, text]) => h('li', {},
    h('a', { href: `#${target}`, 'aria-current': path.startsWith(target) ? 'page' : null }, text)))));
  whoami.replaceChildren(
    h('span', { class: 'whoami-name' }, me.username, ' ', h('span', { class: `badge role-${me.role}` }, me.role)),
    h('button', { type: 'button', class: 'link', onclick: () => signOut() }, 'Sign out'));
}

function render(here, { pathChanged }) {
  const me = currentUser();
  const main = document.getElementById('main');
  renderShell(me, here.path);
  // Each render gets a fresh container: a slow answer for a page already left lands in
  // a detached node instead of over the page now shown.
  const outlet = h('div', { class: 'view' });
  main.replaceChildren(outlet);
  if (!me) {
    signInView({ outlet, reason: takeEndReason() });
    return;
  }
  if (here.path === '/' || !offered(me, here.path)) {
    navigate(homePath(me));
    return;
  }
  const found = resolve(here.path);
  if (found) {
    found.view({ outlet, params: found.params, query: here.query, me });
  } else {
    document.title = 'Not found · usersvc';
    outlet.append(h('h1', { tabindex: '-1' }, 'Not found'),
      h('p', {}, 'No page here. ', h('a', { href: `#${homePath(me)}` }, 'Go to the start page.')));
  }
  if (pathChanged) outlet.querySelector('h1')?.focus();
}

let signedInAs = null;
onSessionChange((me) => {
  const now = me ? me.id : null;
  if (now !== signedInAs) {
    signedInAs = now;
    render(currentLocation(), { pathChanged: true });
  } else {
    renderShell(me, currentLocation().path);
  }
});

const activity = document.getElementById('activity');
onActivity((inFlight) => { activity.hidden = inFlight === 0; });

if (finishLinkInPopup()) {
  // The popup of "Link another provider": the code went to My account, which links it.
  document.title = 'Back from the provider · usersvc';
  document.getElementById('main').replaceChildren(h('section', { class: 'card narrow' },
    h('h1', { tabindex: '-1' }, 'Back from the provider'),
    h('p', {}, 'Your account page links it now. This window can be closed.')));
} else {
  startRouter(render);
}
